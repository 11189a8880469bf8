import Glibc
import Synchronization
import Testing
import SoftLabelService

/// `LogWriter` on real pipes: lines wait for their batch, `flush` and `close` write them all in
/// order, and a pipe nobody reads makes it drop (and count) lines instead of blocking `append`.
@Suite struct LogWriterTests {
    /// A pipe; the read end non-blocking so the test can drain what is there.
    final class Pipe: Sendable {
        let read: Int32, write: Int32
        init(nonBlockingWrite: Bool = false, capacity: Int32? = nil) {
            var fds: [Int32] = [0, 0]
            precondition(pipe(&fds) == 0)
            (read, write) = (fds[0], fds[1])
            _ = fcntl(read, F_SETFL, fcntl(read, F_GETFL) | O_NONBLOCK)
            if nonBlockingWrite { _ = fcntl(write, F_SETFL, fcntl(write, F_GETFL) | O_NONBLOCK) }
            if let capacity { _ = fcntl(write, 1031 /* F_SETPIPE_SZ */, capacity) }
        }
        deinit { Glibc.close(read); Glibc.close(write) }

        func available() -> [UInt8] {
            var out: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = Glibc.read(read, &chunk, chunk.count)
                if n <= 0 { return out }
                out += chunk[..<n]
            }
        }
    }

    static func lines(_ count: Int, width: Int = 0) -> [[UInt8]] {
        (0..<count).map { Array(("line \($0)" + String(repeating: "x", count: width) + "\n").utf8) }
    }

    @Test func linesWaitForTheirBatchAndFlushWritesThemInOrder() {
        let pipe = Pipe()
        let writer = LogWriter(fd: pipe.write, limits: .init(interval: .seconds(30)))
        defer { writer.close() }
        let lines = Self.lines(500)
        for line in lines { #expect(writer.append(line)) }
        usleep(50_000)
        #expect(pipe.available().isEmpty, "nothing is written before the batch's interval or a flush")
        let start = ContinuousClock.now
        #expect(writer.flush())
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(pipe.available() == Array(lines.joined()))
        #expect(writer.droppedLines == 0)
    }

    /// Eight threads at once (several stripes): every line written exactly once, each thread's in order.
    @Test func concurrentThreadsLoseNoLine() async {
        let pipe = Pipe()
        let writer = LogWriter(fd: pipe.write, limits: .init(interval: .milliseconds(2)))
        defer { writer.close() }
        let collected = Mutex<[UInt8]>([])
        let reader = Task.detached {
            while !Task.isCancelled {
                let bytes = pipe.available()
                collected.withLock { $0 += bytes }
                usleep(1000)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask { for i in 0..<2000 { writer.append(Array("t\(t) \(i)\n".utf8)) } }
            }
        }
        #expect(writer.flush())
        reader.cancel()
        _ = await reader.value
        let text = String(decoding: collected.withLock { $0 } + pipe.available(), as: UTF8.self)
        var next = [Int](repeating: 0, count: 8)
        for line in text.split(separator: "\n") {
            let parts = line.dropFirst().split(separator: " ").compactMap { Int($0) }
            guard parts.count == 2, parts[0] < 8 else { Issue.record("bad line \(line)"); continue }
            #expect(parts[1] == next[parts[0]], "thread \(parts[0]) out of order")
            next[parts[0]] = parts[1] + 1
        }
        #expect(next == [Int](repeating: 2000, count: 8))
        #expect(writer.droppedLines == 0)
    }

    @Test func aFullBatchIsWrittenWithoutWaiting() {
        let pipe = Pipe()
        let writer = LogWriter(fd: pipe.write, limits: .init(batchBytes: 1024, interval: .seconds(30)))
        defer { writer.close() }
        let lines = Self.lines(100, width: 20)   // > 1 KiB
        for line in lines { writer.append(line) }
        var seen: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(5)
        while seen.count < 1024 && ContinuousClock.now < deadline {
            seen += pipe.available()
            usleep(1000)
        }
        #expect(seen.count >= 1024, "a batch over batchBytes goes out before the interval")
    }

    @Test func closeWritesThePendingLinesAndLaterOnesSynchronously() {
        let pipe = Pipe()
        let writer = LogWriter(fd: pipe.write, limits: .init(interval: .seconds(30)))
        let lines = Self.lines(10)
        for line in lines.prefix(9) { writer.append(line) }
        #expect(writer.close())
        #expect(writer.append(lines[9]))
        #expect(pipe.available() == Array(lines.joined()))
    }

    /// Nobody reads the pipe (4 KiB): the bound is reached, lines are dropped and counted (also
    /// through `onDrop`), `append` never blocks, and `close` gives up after its timeout.
    @Test func aBlockedOutputDropsLinesAndCountsThem() {
        let pipe = Pipe(nonBlockingWrite: true, capacity: 4096)
        // The pipe is full before the writer starts: nothing it takes can be written, whether or
        // not its thread runs during the loop below (on a loaded machine it may not).
        let junk = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        while junk.withUnsafeBytes({ Glibc.write(pipe.write, $0.baseAddress!, $0.count) }) > 0 {}
        let reported = Atomic<Int>(0)
        let writer = LogWriter(fd: pipe.write, limits: .init(maxPendingBytes: 8192, batchBytes: 1024, interval: .milliseconds(1)),
                               onDrop: { reported.add($0, ordering: .relaxed) })
        var refused = 0, slowest = Duration.zero
        for line in Self.lines(5000, width: 80) {
            let start = ContinuousClock.now
            if !writer.append(line) { refused += 1 }
            slowest = max(slowest, ContinuousClock.now - start)
        }
        #expect(refused > 4000, "at most ~8 KiB pending + one batch of 5000 lines of ~90 bytes")
        #expect(writer.droppedLines == refused)
        #expect(reported.load(ordering: .relaxed) == refused)
        #expect(slowest < .milliseconds(100), "append never waits for the output")
        let start = ContinuousClock.now
        #expect(!writer.close(timeout: .milliseconds(300)), "what is pending cannot be written")
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(writer.droppedLines > refused, "the batch given up at close counts too")
    }
}
