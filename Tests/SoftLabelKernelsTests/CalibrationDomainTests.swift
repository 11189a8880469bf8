import Testing
@testable import SoftLabelKernels

/// Temperatures and logits at the edges of float32: either `validate` rejects them with a path,
/// or every metric comes out finite. Never a trap (a NaN bin index) or a NaN (issue 11).
@Suite("Calibration input domain")
struct CalibrationDomainTests {
    static let tiny = Matrix(rows: 2, columns: 3, values: [1, 2, 0.5, 0.1, 0.2, 3])

    static func metricsAreFinite(_ m: CalibrationMetrics) -> Bool {
        let values: [Double?] = [m.accuracy, m.meanConfidence, m.ece, m.mce, m.rmsCE, m.adaptiveECE, m.classwiseECE,
                                 m.debiasedRMSCE, m.smoothECE, m.brier, m.nll, m.meanEntropy, m.overconfidence]
        return values.allSatisfy { $0?.isFinite == true } && m.reliability.allSatisfy { ($0.meanConfidence ?? 0).isFinite }
    }

    @Test("temperature 1e-45 (subnormal: 1/T overflows) on a tiny valid body is a 422 at temperature")
    func subnormalTemperature() {
        for t: Float in [Float(1e-45 as Double), Float.leastNonzeroMagnitude, Float.leastNormalMagnitude.nextDown, 0, -1, .infinity, .nan] {
            let error = #expect(throws: ValidationError.self) {
                try Calibration.validate(.logits(Self.tiny), labels: [1, 2], configuration: CalibrationConfiguration(temperature: t))
            }
            #expect(error?.path == "temperature", "\(t)")
        }
    }

    @Test("a temperature so small that logits/T overflows names the temperature and the smallest one that works")
    func temperatureTooSmallForTheLogits() throws {
        let logits = Matrix(rows: 1, columns: 3, values: [1e30, -1e30, 0])
        let error = #expect(throws: ValidationError.self) {
            try Calibration.validate(.logits(logits), labels: [1], configuration: CalibrationConfiguration(temperature: 1e-10))
        }
        #expect(error?.path == "temperature")
        #expect(error?.message.contains("logits[0]") == true)
        try Calibration.validate(.logits(logits), labels: [1], configuration: CalibrationConfiguration(temperature: 1e-8))
    }

    @Test("a row whose range overflows float32 at T = 1 is a 422 at that row; masked float32-min logits still pass")
    func rangeBeyondFloat32() throws {
        let wide = Matrix(rows: 2, columns: 3, values: [0, 1, 2, 3e38, -3e38, 0])
        let error = #expect(throws: ValidationError.self) { try Calibration.validate(.logits(wide), labels: [1, 1], configuration: .init()) }
        #expect(error?.path == "logits[1]")
        let masked = Matrix(rows: 2, columns: 3, values: [2, -.greatestFiniteMagnitude, 1, -.greatestFiniteMagnitude, 5, 3])
        try Calibration.validate(.logits(masked), labels: [0, 1], configuration: .init())
        #expect(Self.metricsAreFinite(Calibration.compute(logits: masked, labels: [0, 1])))
    }

    @Test("across float32 magnitudes and temperatures, what validates computes finite metrics", arguments: [
        Float(1), 1e10, 1e30, 1e36, 1.7e38, 3.4e38,
    ])
    func grid(magnitude: Float) {
        let logits = Matrix(rows: 3, columns: 4, values: [
            magnitude, -magnitude, 0, magnitude / 2,
            -magnitude, -magnitude / 3, -.greatestFiniteMagnitude, 1,
            magnitude, magnitude, magnitude, magnitude,
        ])
        let labels = [1, 3, 2]
        for temperature: Float in [Float.leastNormalMagnitude, 1e-30, 1e-10, 1e-4, 0.5, 1, 7, 1e30, .greatestFiniteMagnitude] {
            let configuration = CalibrationConfiguration(temperature: temperature, topK: [1, 2], bootstrap: 20)
            do {
                try Calibration.validate(.logits(logits), labels: labels, configuration: configuration)
            } catch {
                #expect(error.path == "temperature" || error.path.hasPrefix("logits["), "\(magnitude)/\(temperature): \(error)")
                continue
            }
            let metrics = Calibration.compute(logits: logits, labels: labels, configuration: configuration)
            #expect(Self.metricsAreFinite(metrics), "\(magnitude)/\(temperature): \(metrics)")
            #expect(metrics.intervals.values.allSatisfy { $0.low.isFinite && $0.high.isFinite })
        }
    }

    @Test("temperature scaling of logits near float32's limits keeps T where logits/T is finite, and reports every number")
    func temperatureFitOfHugeLogits() throws {
        for (values, labels) in [([Float(1e35), 0], [0]), ([3e38, -3e38], [0]), ([3e38, 0, 0, 1], [0, 1]), ([1e34, 0, 2, 1], [0, 0])] {
            let logits = Matrix(rows: labels.count, columns: values.count / labels.count, values: values)
            do {
                try Calibration.validate(.logits(logits), labels: labels, configuration: .init())
            } catch {
                #expect(error.path.hasPrefix("logits["), "\(values): \(error)")
                continue
            }
            let fit = TemperatureScaling.fit(logits: logits, labels: labels)
            #expect(fit.temperature.isFinite && fit.temperature >= TemperatureScaling.minimumTemperature, "\(values): \(fit)")
            #expect(fit.nllAfter?.isFinite == true && fit.eceAfter?.isFinite == true, "\(values): \(fit)")
            let largest = Double(values.map(\.magnitude).max()!)
            #expect(fit.temperature >= Swift.min(1, 4 * largest / Double(Float.greatestFiniteMagnitude)) * (1 - 1e-12))
        }
    }

    @Test("bootstrap × (rows + bins) beyond the limit is too_large at bootstrap")
    func bootstrapWork() throws {
        let rows = CalibrationConfiguration.maximumBootstrapWork / CalibrationConfiguration.maximumBootstrap - 15 + 1
        let logits = Matrix(rows: rows, columns: 1)
        let labels = [Int](repeating: 0, count: rows)
        let error = #expect(throws: ValidationError.self) {
            try Calibration.validate(.logits(logits), labels: labels, configuration: CalibrationConfiguration(bootstrap: CalibrationConfiguration.maximumBootstrap))
        }
        #expect(error?.code == .tooLarge && error?.path == "bootstrap")
        try Calibration.validate(.logits(logits), labels: labels, configuration: CalibrationConfiguration(bootstrap: CalibrationConfiguration.maximumBootstrap - 1))
    }
}
