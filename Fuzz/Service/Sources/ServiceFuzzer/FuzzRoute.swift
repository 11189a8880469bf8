import SoftLabelService

/// What a fuzz input is sent to: a v1 endpoint through `SoftLabelService.call`, or an Open
/// Inference model through `SoftLabelService.infer`, with its tensors as JSON `data` or as binary
/// tensors after the JSON header (`Inference-Header-Content-Length`).
enum FuzzRoute: Equatable, CustomStringConvertible {
    case v1(String)
    case infer(model: String, binary: Bool)

    /// The v1 endpoints as of this fuzzer, in a fixed order so that a corpus keeps its meaning;
    /// paths the service adds later are appended after the models (see `all`).
    static let knownV1 = ["/v1/smooth", "/v1/loss", "/v1/calibration", "/v1/calibration/merge", "/v1/temperature",
                          "/v1/reliability-diagram"]
    static let models = ["smooth", "loss", "calibration", "temperature", "representation"]

    /// Every route an input can pick (its first byte modulo the count).
    static let all: [FuzzRoute] = knownV1.map(FuzzRoute.v1)
        + models.flatMap { [FuzzRoute.infer(model: $0, binary: false), .infer(model: $0, binary: true)] }
        + SoftLabelService.endpointPaths.filter { !knownV1.contains($0) }.map(FuzzRoute.v1)

    static func index(of route: FuzzRoute) -> Int? { all.firstIndex(of: route) }

    var description: String {
        switch self {
        case .v1(let path): "POST \(path)"
        case .infer(let model, let binary): "POST /v2/models/\(model)/infer" + (binary ? " (binary tensors)" : " (JSON tensors)")
        }
    }

    var isInference: Bool {
        if case .infer = self { return true }
        return false
    }

    var isBinary: Bool {
        if case .infer(_, true) = self { return true }
        return false
    }

    var model: String? {
        if case .infer(let model, _) = self { return model }
        return nil
    }

    var path: String? {
        if case .v1(let path) = self { return path }
        return nil
    }
}
