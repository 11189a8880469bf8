import Foundation
import SoftLabelKernels
import Testing
import SoftLabelWire

/// A quick throughput check, not a benchmark suite (that lives in Benchmarks/). Runs only when
/// `SOFTLABEL_WIRE_THROUGHPUT_BODY` names a body made by `Benchmarks/Peer/make_bodies.py`
/// (e.g. loss_256_1000.json); meaningful only in release mode:
///
///     SOFTLABEL_WIRE_THROUGHPUT_BODY=/tmp/bodies/loss_256_1000.json \
///         swift test -c release --filter ThroughputTests
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SOFTLABEL_WIRE_THROUGHPUT_BODY"] != nil))
struct ThroughputTests {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Reads a loss body into logits and labels, as the service does.
    static func readLossBody(_ raw: UnsafeRawBufferPointer) throws -> (Matrix, [Int], Float) {
        var reader = JSONReader(raw)
        var logits = Matrix(rows: 0, columns: 0)
        var labels: [Int] = []
        var epsilon: Float = 0
        try reader.beginObject(path: "")
        while let key = try reader.nextKey() {
            switch key {
            case "logits": logits = try reader.readFloatMatrix(path: key)
            case "labels": labels = try reader.readIntArray(path: key)
            case "label_smoothing": epsilon = try reader.readFloat(path: key)
            default: try reader.skipValue()
            }
        }
        try reader.finish()
        return (logits, labels, epsilon)
    }

    @Test func parseAndWriteThroughput() throws {
        let path = ProcessInfo.processInfo.environment["SOFTLABEL_WIRE_THROUGHPUT_BODY"]!
        let body = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let iterations = environmentInt("SOFTLABEL_WIRE_THROUGHPUT_ITERATIONS", default: 50)
        var best = Double.infinity
        var logits = Matrix(rows: 0, columns: 0)
        for _ in 0..<iterations {
            best = min(best, try Self.seconds {
                logits = try body.withUnsafeBytes { try Self.readLossBody($0).0 }
            })
        }
        let parseMBps = Double(body.count) / best / 1e6
        print("wire parse: \(body.count) bytes, \(logits.rows)x\(logits.columns) logits, best \(String(format: "%.3f", best * 1e3)) ms, \(String(format: "%.0f", parseMBps)) MB/s")

        var validateBest = Double.infinity
        for _ in 0..<iterations {
            validateBest = min(validateBest, try Self.seconds { try body.withUnsafeBytes { try JSONReader.validate($0) } })
        }
        print("wire validate: \(String(format: "%.0f", Double(body.count) / validateBest / 1e6)) MB/s")

        var writeBest = Double.infinity
        var written = 0
        for _ in 0..<iterations {
            writeBest = min(writeBest, Self.seconds {
                var writer = JSONWriter(capacity: 1 << 20)
                writer.writeFloatMatrix(logits)
                written = writer.bytes.count
            })
        }
        print("wire write: \(written) bytes, best \(String(format: "%.3f", writeBest * 1e3)) ms, \(String(format: "%.0f", Double(written) / writeBest / 1e6)) MB/s")

        var foundationBest = Double.infinity
        for _ in 0..<min(iterations, 5) {
            foundationBest = min(foundationBest, try Self.seconds { _ = try JSONSerialization.jsonObject(with: Data(body)) })
        }
        print("Foundation JSONSerialization: \(String(format: "%.0f", Double(body.count) / foundationBest / 1e6)) MB/s")
        #expect(logits.rows > 0)
    }
}
