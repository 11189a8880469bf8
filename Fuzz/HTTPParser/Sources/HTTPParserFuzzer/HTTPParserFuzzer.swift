import SoftLabelHTTP

/// libFuzzer entry point. The input is fed to the request parser three times: all at once, in
/// pieces whose sizes come from the input's first byte, and in such pieces with fixed-length
/// bodies read straight into place (`receiveBody`, as the connection does). All runs must agree
/// on every request and on the error: a differential check of the incremental parser on top of
/// the sanitizers' memory checks. Small limits make the limit paths reachable.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let split = Int(bytes[0] % 17) + 1
    let input = Array(bytes.dropFirst())
    let whole = run(input, piece: input.count + 1)
    let pieces = run(input, piece: split)
    guard whole == pieces else {
        fatalError("incremental parse differs: whole=\(whole) pieces(\(split))=\(pieces)")
    }
    let inPlace = run(input, piece: split, bodiesInPlace: true)
    guard whole == inPlace else {
        fatalError("in-place body parse differs: whole=\(whole) inPlace(\(split))=\(inPlace)")
    }
    return 0
}

private struct Outcome: Equatable, CustomStringConvertible {
    var requests: [String] = []
    var error: HTTPError? = nil
    var description: String { "\(requests) \(String(describing: error))" }
}

private func run(_ input: [UInt8], piece: Int, bodiesInPlace: Bool = false) -> Outcome {
    let limits = RequestParser.Limits(maxRequestLineBytes: 256, maxHeaderBytes: 512, maxHeaderCount: 16, maxBodyBytes: 4096)
    var parser = RequestParser(limits: limits)
    var outcome = Outcome()
    var offset = 0
    while offset < input.count {
        let end = min(input.count, offset + piece)
        if bodiesInPlace && parser.canReceiveBodyInPlace {
            offset += input.withUnsafeBytes { all in
                parser.receiveBody { free in
                    precondition(!free.isEmpty)
                    let n = min(free.count, end - offset)
                    free.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[offset..<(offset + n)]))
                    return n
                }
            }
        } else {
            parser.append(Array(input[offset..<end]))
            offset = end
        }
        while true {
            switch parser.next() {
            case .needMoreData:
                break
            case .head(let head):
                precondition(head.headBytes > 0)
                continue
            case .request(let request):
                precondition(request.body.count <= limits.maxBodyBytes)
                let trailers = request.trailers.fields.map { "\($0.name):\($0.value)" }
                outcome.requests.append("\(request.method) \(request.target) \(request.version) \(request.headers.count) \(request.body) \(trailers) \(request.wireBytes)")
                continue
            case .error(let error):
                outcome.error = error
                return outcome
            }
            break
        }
    }
    return outcome
}

// SwiftPM links executables with `--defsym main=<Target>_main`, so libFuzzer's own `main` is not
// pulled in; this entry point hands control to libFuzzer's driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("HTTPParserFuzzer_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}
