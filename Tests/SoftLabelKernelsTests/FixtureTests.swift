import Testing
import SoftLabelKernels
import SoftLabelTestSupport

/// Every reference case of `smoothing.json` (optax and the API formulas) and `loss.json`
/// (PyTorch `F.cross_entropy` and autograd), straight into the kernels.
@Suite("Kernels against the reference fixtures")
struct FixtureTests {
    static var smoothingCases: [FixtureCase] { get throws { try Fixtures.cases("smoothing") } }
    static var lossCases: [FixtureCase] { get throws { try Fixtures.cases("loss") } }

    @Test("fixtures are all there") func counts() throws {
        #expect(try Self.smoothingCases.count + Self.lossCases.count == 113)
    }

    @Test("smoothing.json", arguments: try smoothingCases)
    func smoothing(_ c: FixtureCase) throws {
        let r = c.request
        let source = KernelFixtureRequest.source(r, defaultIgnoreIndex: nil)
        let k = (r["num_classes"] as? Int) ?? KernelFixtureRequest.matrix(r["targets"]).columns
        let smoothing = KernelFixtureRequest.smoothing(r)
        try smoothing.validate(numClasses: k)
        try source.validate(numClasses: k, path: "labels")
        let q = SmoothTargets.compute(source, numClasses: k, smoothing: smoothing)
        let actual: [String: Any] = ["targets": KernelFixtureRequest.json(q), "num_classes": k,
                                     "label_smoothing": Double(smoothing.epsilon)]
        let mismatch = Tolerance.mismatch(actual, c.expected, rtol: c.rtol, atol: c.atol)
        #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
    }

    @Test("loss.json", arguments: try lossCases)
    func loss(_ c: FixtureCase) throws {
        let r = c.request
        let logits = KernelFixtureRequest.matrix(r["logits"])
        let source = KernelFixtureRequest.source(r, defaultIgnoreIndex: -100)
        let configuration = KernelFixtureRequest.lossConfiguration(r)
        try Loss.validate(logits: logits, source: source, configuration: configuration,
                          sourcePath: r["labels"] == nil ? "targets" : "labels")
        let result = Loss.compute(logits: logits, source: source, configuration: configuration)
        var actual: [String: Any] = ["count": result.count]
        actual["loss"] = result.loss
        actual["per_sample"] = result.perSample?.map(Double.init)
        actual["gradient"] = result.gradient.map(KernelFixtureRequest.json)
        actual["targets"] = result.targets.map(KernelFixtureRequest.json)
        actual["probabilities"] = result.probabilities.map(KernelFixtureRequest.json)
        let mismatch = Tolerance.mismatch(actual, c.expected, rtol: c.rtol, atol: c.atol)
        #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
    }
}
