import Foundation
import Testing
@testable import SoftLabelKernels
import SoftLabelTestSupport

/// `/v1/representation` in the kernels: every `representation` case of lens.json (float64 numpy
/// over all pairs of rows), merged states against one pass over random splits (seeded), the
/// closed forms against brute force on random rows, and the 422 paths.
@Suite("Representation kernels")
struct RepresentationTests {
    static var cases: [FixtureCase] {
        get throws { try Fixtures.cases("lens").filter { $0.endpoint == "/v1/representation" } }
    }

    /// The kernels' answer to a fixture request, in the v1 response shape (without `state`).
    static func run(_ request: [String: Any]) throws -> [String: Any] {
        let rows = JSONAny.rows(request["features"])
        let features = Matrix(rows: rows.count, columns: rows[0].count, values: rows.flatMap { $0 })
        let labels = JSONAny.ints(request["labels"])
        let weights = request["weights"].map { w -> Matrix in
            let r = JSONAny.rows(w)
            return Matrix(rows: r.count, columns: r[0].count, values: r.flatMap { $0 })
        }
        let numClasses = (request["num_classes"] as? NSNumber)?.intValue ?? weights?.rows
        let k = try RepresentationPass.validate(features: features, labels: labels, numClasses: numClasses)
        let m = RepresentationMetrics(try RepresentationPass.accumulate(features: features, labels: labels, numClasses: k))
        var out = dictionary(m)
        if let weights, let classes = request["projection_classes"].map(JSONAny.ints) {
            let plane = try TemplateProjection.plane(weights: weights, classes: classes, numClasses: k, dimension: features.columns)
            let p = TemplateProjection(features: features, labels: labels, weights: weights, plane: plane)
            out["projection"] = ["classes": p.classes, "templates": p.templates.map { [$0.0, $0.1] },
                                 "points": p.points.map { [$0.0, $0.1] }, "labels": p.labels] as [String: Any]
        }
        return out
    }

    static func dictionary(_ m: RepresentationMetrics) -> [String: Any] {
        let null = { (v: Double?) -> Any in v.map { $0 as Any } ?? NSNull() }
        return ["count": m.count, "num_classes_present": m.numClassesPresent, "class_separation_r2": null(m.classSeparationR2),
                "within_distance": m.withinDistance, "total_distance": m.totalDistance,
                "feature_norm": ["mean": m.featureNormMean, "per_class": m.featureNormPerClass.map(null)] as [String: Any],
                "within_class_variance": m.withinClassVariance, "between_class_variance": m.betweenClassVariance,
                "variance_ratio": null(m.varianceRatio)]
    }

    @Test("lens.json representation cases", arguments: try cases)
    func fixture(_ c: FixtureCase) throws {
        let actual = try Self.run(c.request)
        let mismatch = Tolerance.mismatch(actual, c.expected, rtol: c.rtol, atol: c.atol)
        #expect(mismatch == nil, "\(c.name): \(mismatch ?? "")")
        // The metrics are float64 closed forms: far tighter than the fixture's tolerance.
        var metrics = c.expected
        metrics["projection"] = nil
        let tight = Tolerance.mismatch(actual, metrics, rtol: 1e-9, atol: 1e-12)
        #expect(tight == nil, "\(c.name) at 1e-9: \(tight ?? "")")
    }

    @Test("all five representation cases are present")
    func caseCount() throws { #expect(try Self.cases.count == 5) }

    /// Random rows: `classes` clusters around random centres, with an offset so the variance
    /// sums cancel visibly, and some classes left empty.
    static func randomRows(_ g: inout SeededGenerator, rows: Int, dimension: Int, classes: Int) -> (Matrix, [Int]) {
        let centres = (0..<(classes * dimension)).map { _ in Float.random(in: -3...3, using: &g) }
        var values = [Float](), labels = [Int]()
        for _ in 0..<rows {
            let k = Int.random(in: 0..<classes, using: &g) & ~1  // odd classes stay empty
            labels.append(k)
            for j in 0..<dimension { values.append(5 + centres[k * dimension + j] + Float.random(in: -1...1, using: &g)) }
        }
        return (Matrix(rows: rows, columns: dimension, values: values), labels)
    }

    static func slice(_ m: Matrix, _ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, columns: m.columns, values: Array(m.values[(range.lowerBound * m.columns)..<(range.upperBound * m.columns)]))
    }

    @Test("merged states give one pass's metrics to 1e-9, over random splits")
    func mergeMatchesOnePass() throws {
        let seed = SeededGenerator.seed(default: 0x5EED_4E9E)
        var g = SeededGenerator(seed: seed)
        for trial in 0..<6 {
            let (rows, d, k) = (Int.random(in: 20...400, using: &g), [1, 3, 8, 13, 37][trial % 5], Int.random(in: 2...9, using: &g))
            let (features, labels) = Self.randomRows(&g, rows: rows, dimension: d, classes: k)
            let whole = RepresentationMetrics(try RepresentationPass.accumulate(features: features, labels: labels, numClasses: k))
            for _ in 0..<4 {
                var cuts = (0..<Int.random(in: 1...5, using: &g)).map { _ in Int.random(in: 1..<rows, using: &g) }
                cuts = Array(Set(cuts + [0, rows])).sorted()
                let states = try zip(cuts, cuts.dropFirst()).map { a, b in
                    try RepresentationPass.accumulate(features: Self.slice(features, a..<b), labels: Array(labels[a..<b]), numClasses: k)
                }
                let merged = RepresentationMetrics(try #require(try RepresentationState.merge(states.shuffled(using: &g))))
                let mismatch = Tolerance.mismatch(Self.dictionary(merged), Self.dictionary(whole), rtol: 1e-9, atol: 1e-12)
                #expect(mismatch == nil, "seed \(seed) trial \(trial) cuts \(cuts): \(mismatch ?? "")")
            }
        }
    }

    @Test("closed forms equal brute force over all pairs (random rows)")
    func bruteForce() throws {
        let seed = SeededGenerator.seed(default: 0xB207E)
        var g = SeededGenerator(seed: seed)
        let (features, labels) = Self.randomRows(&g, rows: 90, dimension: 11, classes: 6)
        let m = RepresentationMetrics(try RepresentationPass.accumulate(features: features, labels: labels, numClasses: 6))
        let d = features.columns
        let x = (0..<features.rows).map { i in (0..<d).map { Double(features[i, $0]) } }
        let cosine = { (a: [Double], b: [Double]) -> Double in
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            return dot / (a.reduce(0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0) { $0 + $1 * $1 }.squareRoot())
        }
        let present = Array(Set(labels)).sorted()
        let members = present.map { k in labels.indices.filter { labels[$0] == k } }
        func mean(_ a: [Int], _ b: [Int]) -> Double {
            var s = 0.0
            for i in a { for j in b { s += 1 - cosine(x[i], x[j]) } }
            return s / Double(a.count * b.count)
        }
        let within = members.map { mean($0, $0) }.reduce(0, +) / Double(present.count)
        var total = 0.0
        for a in members { for b in members { total += mean(a, b) } }
        total /= Double(present.count * present.count)
        #expect(abs(m.withinDistance - within) <= 1e-12, "seed \(seed)")
        #expect(abs(m.totalDistance - total) <= 1e-12, "seed \(seed)")
        #expect(m.numClassesPresent == 3)
        #expect(m.featureNormPerClass[1] == nil && m.featureNormPerClass[0] != nil)
    }

    @Test("identical rows within each class: within-class variance 0, ratio null; one class: R² 0")
    func degenerate() throws {
        let features = Matrix(rows: 4, columns: 3, values: [0.1, 0.2, 0.3, 0.1, 0.2, 0.3, -1, 2, 5, -1, 2, 5])
        let m = RepresentationMetrics(try RepresentationPass.accumulate(features: features, labels: [0, 0, 1, 1], numClasses: 2))
        #expect(m.withinClassVariance == 0)
        #expect(m.varianceRatio == nil)
        #expect(m.withinDistance == 0)
        #expect(m.classSeparationR2 == 1)
        let one = RepresentationMetrics(try RepresentationPass.accumulate(features: features, labels: [0, 0, 0, 0], numClasses: 1))
        #expect(abs(one.withinDistance - one.totalDistance) <= 1e-15)
        #expect(abs(one.classSeparationR2! - 0) <= 1e-12)
        let same = RepresentationMetrics(try RepresentationPass.accumulate(features: Self.slice(features, 0..<2), labels: [0, 0], numClasses: 1))
        #expect(same.totalDistance == 0 && same.classSeparationR2 == nil)
    }

    @Test("422 paths: zero row, non-finite value, labels, projection classes, collinear templates, weights shape")
    func errors() throws {
        let features = Matrix(rows: 3, columns: 2, values: [1, 0, 0, 0, 0, 1])
        #expect(throws: ValidationError(.invalidValue, "row 1 has zero norm: a feature vector needs a direction for its cosine distances", path: "features[1]")) {
            try RepresentationPass.accumulate(features: features, labels: [0, 1, 0], numClasses: 2)
        }
        let nan = Matrix(rows: 2, columns: 2, values: [1, 2, 3, .nan])
        let nanError = #expect(throws: ValidationError.self) { try RepresentationPass.accumulate(features: nan, labels: [0, 1], numClasses: 2) }
        #expect(nanError?.path == "features[1][1]" && nanError?.code == .nonFinite)
        let labelError = #expect(throws: ValidationError.self) { try RepresentationPass.validate(features: nan, labels: [0, 3], numClasses: 3) }
        #expect(labelError?.path == "labels[1]")
        #expect((#expect(throws: ValidationError.self) { try RepresentationPass.validate(features: nan, labels: [0, -1], numClasses: nil) })?.path == "labels[1]")
        #expect((#expect(throws: ValidationError.self) { try RepresentationPass.validate(features: nan, labels: [0], numClasses: nil) })?.code == .shapeMismatch)
        #expect(try RepresentationPass.validate(features: nan, labels: [0, 4], numClasses: nil) == 5)
        // A label of Int.max infers K = Int.max (saturated, for the class limit to refuse), not a trap
        // (found by fuzz-service: max label + 1 overflowed).
        #expect(try RepresentationPass.validate(features: nan, labels: [0, .max], numClasses: nil) == .max)

        let weights = Matrix(rows: 4, columns: 2, values: [0, 0, 1, 1, 2, 2, 0, 1])
        func planeError(_ w: Matrix, _ classes: [Int], k: Int = 4) -> ValidationError? {
            #expect(throws: ValidationError.self) { try TemplateProjection.plane(weights: w, classes: classes, numClasses: k, dimension: 2) }
        }
        #expect(planeError(weights, [0, 1, 2])?.path == "projection_classes")  // collinear
        #expect(planeError(weights, [0, 1, 1])?.path == "projection_classes")  // repeated
        #expect(planeError(weights, [0, 1])?.path == "projection_classes")
        #expect(planeError(weights, [0, 1, 4])?.path == "projection_classes[2]")
        #expect(planeError(weights, [0, 1, 3], k: 5)?.path == "weights")
        #expect(planeError(Matrix(rows: 4, columns: 2, values: [0, 0, 1, 1, 2, 2, 0, .infinity]), [0, 1, 3])?.path == "weights[3][1]")
        let plane = try TemplateProjection.plane(weights: weights, classes: [0, 1, 3], numClasses: 4, dimension: 2)
        let p = TemplateProjection(features: Matrix(rows: 3, columns: 2, values: [1, 0, 5, 5, 0, 1]), labels: [1, 2, 3], weights: weights, plane: plane)
        #expect(p.labels == [1, 3])
        // w_0 at the origin, w_1 on the first axis at ‖w_1 − w_0‖ = √2.
        #expect(abs(p.templates[0].0) < 1e-15 && abs(p.templates[0].1) < 1e-15)
        #expect(abs(p.templates[1].0 - 2.0.squareRoot()) < 1e-15 && abs(p.templates[1].1) < 1e-15)
        #expect(p.templates[2].1 > 0)
    }

    @Test("states: validation refuses inconsistent sums and mismatched merges")
    func stateValidation() throws {
        let features = Matrix(rows: 2, columns: 2, values: [3, 4, 1, 0])
        let s = try RepresentationPass.accumulate(features: features, labels: [0, 1], numClasses: 3)
        try s.validate()
        #expect(s.normSum == [5, 1, 0] && s.squaredNormSum == [25, 1, 0] && s.classCount == [1, 1, 0])
        var bad = s
        bad.unitSum[0] = 2
        #expect((#expect(throws: ValidationError.self) { try bad.validate() })?.path == "state.unit_sum")
        bad = s
        bad.featureSum[4] = 1
        #expect((#expect(throws: ValidationError.self) { try bad.validate() })?.path == "state.class_count[2]")
        bad = s
        bad.featureSum.removeLast()
        #expect((#expect(throws: ValidationError.self) { try bad.validate() })?.code == .shapeMismatch)
        let other = RepresentationState(numClasses: 3, dimension: 3)
        #expect((#expect(throws: ValidationError.self) { try RepresentationState.merge([s, other]) })?.path == "states[1]")
    }

    @Test("the projection diagram: one circle per point, three templates, a legend")
    func diagram() throws {
        let c = try #require(try Self.cases.first { $0.request["weights"] != nil })
        let rows = JSONAny.rows(c.request["features"]), w = JSONAny.rows(c.request["weights"])
        let features = Matrix(rows: rows.count, columns: rows[0].count, values: rows.flatMap { $0 })
        let weights = Matrix(rows: w.count, columns: w[0].count, values: w.flatMap { $0 })
        let labels = JSONAny.ints(c.request["labels"])
        let plane = try TemplateProjection.plane(weights: weights, classes: JSONAny.ints(c.request["projection_classes"]),
                                                 numClasses: weights.rows, dimension: features.columns)
        let p = TemplateProjection(features: features, labels: labels, weights: weights, plane: plane)
        let svg = ProjectionDiagram.svg(p)
        #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
        // Points plus the three legend dots.
        #expect(svg.components(separatedBy: "<circle ").count - 1 == p.points.count + 3)
        #expect(svg.components(separatedBy: "<title>template w_").count - 1 == 3)
        for k in p.classes { #expect(svg.contains("class \(k) (n = \(p.labels.filter { $0 == k }.count))")) }
    }
}
