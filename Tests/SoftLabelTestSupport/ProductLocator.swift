import Foundation

/// Finds the `softlabel` executable that `swift build --build-tests` put beside the test bundle.
public enum ProductLocator {
    public static var softlabelExecutable: URL? {
        var candidates: [URL] = []
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("softlabel"))
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(Fixtures.packageRoot.appendingPathComponent(".build/debug/softlabel"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `softlabel` with `arguments`, feeding `input` on standard input.
    public static func run(_ arguments: [String], input: [UInt8]) throws -> (status: Int32, stdout: [UInt8], stderr: [UInt8]) {
        guard let executable = softlabelExecutable else {
            throw NSError(domain: "softlabel", code: 1, userInfo: [NSLocalizedDescriptionKey: "softlabel executable not found; run swift build first"])
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("softlabel-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let stderr = try FileHandle(forWritingTo: errorFile)
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? stderr.close()
        let errorBytes = (try? Data(contentsOf: errorFile)) ?? Data()
        return (process.terminationStatus, [UInt8](out), [UInt8](errorBytes))
    }
}
