import Testing
@testable import SoftLabelKernels

/// `/v1/loss` at the edges of float32 (issue 11): what `Loss.validate` accepts computes a finite
/// loss, per-sample losses, gradient, targets and probabilities; the rest is a 422 with a path.
@Suite("Loss input domain")
struct LossDomainTests {
    static let lowest = -Float.greatestFiniteMagnitude

    static func allFinite(_ r: LossResult) -> Bool {
        let values: [Float] = (r.perSample ?? []) + (r.gradient?.values ?? []) + (r.targets?.values ?? []) + (r.probabilities?.values ?? [])
        return (r.loss ?? 0).isFinite && values.allSatisfy(\.isFinite)
    }

    static func validated(_ logits: Matrix, _ source: TargetSource, _ c: LossConfiguration) -> ValidationError? {
        do {
            try Loss.validate(logits: logits, source: source, configuration: c, sourcePath: "labels")
            return nil
        } catch {
            return error
        }
    }

    @Test("extreme logits, weights, temperatures and penalties: whatever validates computes finite outputs", arguments: [
        [Float(1), 2, 0.5, 0.1], [1e30, -1e30, 0, 5], [1.7e38, -1.7e38, 0, 1], [2, lowest, 1, lowest], [1e37, 1e37, -1e37, -1e37],
    ])
    func grid(row: [Float]) {
        let logits = Matrix(rows: 2, columns: 4, values: row + [0, 1, 2, 3])
        let targets = Matrix(rows: 2, columns: 4, values: [0.25, 0.25, 0.25, 0.25, 0, 0, 1, 0])
        var accepted = 0
        for weight: [Float]? in [nil, [1e-6, 1e6, 1, 0], [3e38, 1, 1, 1], [Float(1e-45 as Double), 1, 1, 1]] {
            for epsilon: Float in [0, 0.1] {
                let functions: [LossFunction] = [.crossEntropy, .focal(gamma: 2), .focal(gamma: 3e38), .binaryCrossEntropy,
                                                 .distillation(teacherLogits: logits, temperature: 1e6, alpha: 0.5),
                                                 .distillation(teacherLogits: logits, temperature: 3e38, alpha: 0.5),
                                                 .distillation(teacherLogits: logits, temperature: 1e-30, alpha: 0.5)]
                for function in functions {
                    for penalty: Float in [0, 1, 3e38] where penalty == 0 || function != .binaryCrossEntropy {
                        for source in [TargetSource.labels([0, 2], ignoreIndex: nil), .probabilities(targets)] {
                            for reduction in Reduction.allCases {
                                let c = LossConfiguration(function: function, smoothing: LabelSmoothing(epsilon: epsilon), weight: weight,
                                                          reduction: reduction, confidencePenalty: penalty,
                                                          outputs: [.perSample, .gradient, .targets, .probabilities])
                                if let error = Self.validated(logits, source, c) {
                                    #expect(["logits", "temperature", "confidence_penalty", "teacher_logits", "weight"].contains { error.path.hasPrefix($0) }, "\(error)")
                                    continue
                                }
                                accepted += 1
                                let r = Loss.compute(logits: logits, source: source, configuration: c)
                                #expect(Self.allFinite(r), "\(row) \(String(describing: weight)) ε=\(epsilon) \(function.name) β=\(penalty) \(reduction): \(r)")
                            }
                        }
                    }
                }
            }
        }
        #expect(accepted > 0)
    }

    @Test("masked logits (float32's lowest) without smoothing give the loss of the unmasked classes; a label on a masked logit is a 422")
    func maskedLogits() throws {
        let masked = Matrix(rows: 2, columns: 3, values: [2, Self.lowest, 1, 0.5, 3, Self.lowest])
        let unmasked = Matrix(rows: 2, columns: 2, values: [2, 1, 0.5, 3])
        let c = LossConfiguration(outputs: [.gradient])
        try Loss.validate(logits: masked, source: .labels([0, 1], ignoreIndex: nil), configuration: c, sourcePath: "labels")
        let a = Loss.compute(logits: masked, source: .labels([0, 1], ignoreIndex: nil), configuration: c)
        let b = Loss.compute(logits: unmasked, source: .labels([0, 1], ignoreIndex: nil), configuration: c)
        #expect(a.loss != nil && Swift.abs(a.loss! - b.loss!) <= 1e-6 * b.loss!)
        #expect(Self.allFinite(a) && a.gradient![0, 1] == 0 && a.gradient![1, 2] == 0)
        let error = Self.validated(masked, .labels([1, 1], ignoreIndex: nil), c)
        #expect(error?.path == "logits[0]")
        #expect(Self.validated(masked, .labels([0, 1], ignoreIndex: nil), LossConfiguration(smoothing: LabelSmoothing(epsilon: 0.1)))?.path == "logits")
    }

    @Test("distillation temperature: subnormal or so large that T²·KL overflows is a 422 at temperature")
    func distillationTemperature() {
        let logits = Matrix(rows: 1, columns: 3, values: [1, 2, 3])
        for t: Float in [Float(1e-45 as Double), 3e38] {
            let c = LossConfiguration(function: .distillation(teacherLogits: logits, temperature: t, alpha: 0.5))
            #expect(Self.validated(logits, .labels([0], ignoreIndex: nil), c)?.path == "temperature", "\(t)")
        }
        let c = LossConfiguration(function: .distillation(teacherLogits: Matrix(rows: 1, columns: 3, values: [3, 2, 1]), temperature: 1e9, alpha: 0.5),
                                  outputs: [.gradient])
        #expect(Self.validated(logits, .labels([0], ignoreIndex: nil), c) == nil)
        #expect(Self.allFinite(Loss.compute(logits: logits, source: .labels([0], ignoreIndex: nil), configuration: c)))
    }

    @Test("class weights must be 0 or within [2^-40, 2^40]")
    func weights() {
        let logits = Matrix(rows: 1, columns: 3, values: [1, 2, 3])
        for (weight, index) in [([Float(1e-45 as Double), 1, 1], 0), ([1, 3e38, 1], 1), ([1, 1, 1e13], 2)] {
            #expect(Self.validated(logits, .labels([0], ignoreIndex: nil), LossConfiguration(weight: weight))?.path == "weight[\(index)]")
        }
        #expect(Self.validated(logits, .labels([0], ignoreIndex: nil), LossConfiguration(weight: [0, 1e-12, 1e12])) == nil)
    }
}
