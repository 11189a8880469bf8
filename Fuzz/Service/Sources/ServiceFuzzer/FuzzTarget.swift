import Foundation
import SoftLabelService

/// One libFuzzer input: build the request (`FuzzRequest`), run it on the service with the small
/// configuration (7 inputs in 8) or the default one, and check the response (`ResponseChecks`).
/// A trap or sanitizer report inside the service is a finding by itself.
enum FuzzTarget {
    /// Limits small enough that each input runs in milliseconds and the limit checks are reached
    /// by small inputs.
    static let smallConfiguration = ServiceConfiguration(maxElements: 1 << 16, maxClasses: 4096, maxBodyBytes: 1 << 20,
                                                         maxResponseBytes: 1 << 22)

    static let small = SoftLabelService(configuration: smallConfiguration)
    static let standard = SoftLabelService()

    static func run(_ bytes: [UInt8]) -> Int32 {
        let request = FuzzRequest(FuzzInput(bytes))
        let response = request.run(request.defaultConfiguration ? standard : small)
        ResponseChecks.check(response, request)
        return 0
    }

    /// `--show FILE...`: each input's request (route, configuration, header length, body) and the
    /// service's response; the body is also written to FILE.body for `softlabel call` or curl.
    static func show(_ files: ArraySlice<String>) -> Int32 {
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("cannot read \(file)\n".utf8))
                return 2
            }
            // Unbuffered: the request is out before the service runs (and perhaps traps).
            func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
            say("== \(file)")
            let request = FuzzRequest(FuzzInput(Array(data)))
            say(request.describe(limit: 20_000))
            if FileManager.default.createFile(atPath: file + ".body", contents: Data(request.body)) {
                say("body written to \(file).body")
            }
            let response = request.run(request.defaultConfiguration ? standard : small)
            say("response: \(response.status) \(response.contentType) \(response.headers)")
            say(String(decoding: response.body.prefix(2000), as: UTF8.self))
        }
        return 0
    }
}

// SwiftPM links executables with `--defsym main=<Target>_main`, so libFuzzer's own `main` is not
// pulled in; this entry point hands control to libFuzzer's driver (or runs a helper mode).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// `ServiceFuzzer [libFuzzer flags] [corpus dirs]`, or
/// `ServiceFuzzer --seeds OUT_DIR FIXTURE_DIR...` (writes the seed corpus, see `Seeds`), or
/// `ServiceFuzzer --show INPUT...` (decodes inputs, e.g. crash reproducers, and runs them).
@_cdecl("ServiceFuzzer_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let arguments = (0..<Int(argc)).map { String(cString: argv![$0]!) }
    if arguments.count >= 3, arguments[1] == "--seeds" {
        return Seeds.generate(into: arguments[2], fixtureDirectories: Array(arguments.dropFirst(3)))
    }
    if arguments.count >= 3, arguments[1] == "--show" {
        return FuzzTarget.show(arguments.dropFirst(2))
    }
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return FuzzTarget.run([]) }
        return FuzzTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
    }
}
