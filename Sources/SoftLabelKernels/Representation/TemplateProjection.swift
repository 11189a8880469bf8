/// The projection of Müller, Kornblith & Hinton 2019 ("When does label smoothing help?", Fig. 1):
/// penultimate-layer activations of three classes a, b, c shown in the plane through their
/// final-layer templates w_a, w_b, w_c.
///
/// u₁ = (w_b − w_a)/‖w_b − w_a‖, u₂ = the unit part of (w_c − w_a) orthogonal to u₁ (one
/// Gram-Schmidt step, in float64); a point x maps to ((x − w_a)·u₁, (x − w_a)·u₂), so w_a is at
/// the origin and w_b on the positive first axis. Rows of the three classes are kept in input
/// order. Templates that do not span a plane (coincident, or the orthogonal part of w_c − w_a
/// shorter than `collinearityTolerance`·‖w_c − w_a‖, i.e. the angle at w_a is below ~1e-5 rad,
/// beneath what float32 templates resolve) are refused: 422 at `projection_classes`.
public struct TemplateProjection: Sendable, Equatable {
    public var classes: [Int]
    /// The three templates' coordinates, in `classes` order.
    public var templates: [(Double, Double)]
    public var points: [(Double, Double)]
    public var labels: [Int]

    public static let collinearityTolerance = 1e-5

    public static func == (l: Self, r: Self) -> Bool {
        l.classes == r.classes && l.labels == r.labels && l.templates.elementsEqual(r.templates, by: ==) && l.points.elementsEqual(r.points, by: ==)
    }

    /// The plane's origin and axes, checked: weights K×D with D = features' columns, classes three
    /// distinct values in [0, K), templates finite and spanning a plane.
    public struct Plane: Sendable {
        public var classes: [Int]
        var origin: [Double]
        var u1: [Double]
        var u2: [Double]
    }

    public static func plane(weights: Matrix, classes: [Int], numClasses: Int, dimension: Int) throws(ValidationError) -> Plane {
        guard weights.rows == numClasses, weights.columns == dimension else {
            throw ValidationError(.shapeMismatch, "weights is \(weights.rows)×\(weights.columns); expected \(numClasses)×\(dimension) (K classes × D features)", path: "weights")
        }
        try validateFinite(weights, path: "weights")
        guard classes.count == 3 else {
            throw ValidationError(.invalidValue, "projection_classes must be three class indices [a, b, c], got \(classes.count)", path: "projection_classes")
        }
        for (i, c) in classes.enumerated() where c < 0 || c >= numClasses {
            throw ValidationError(.labelOutOfRange, "class \(c) is outside [0, \(numClasses))", path: "projection_classes[\(i)]")
        }
        guard Set(classes).count == 3 else {
            throw ValidationError(.invalidValue, "projection_classes must be three different classes, got \(classes)", path: "projection_classes")
        }
        let d = dimension
        let w = { (c: Int) in (0..<d).map { Double(weights.values[c * d + $0]) } }
        let wa = w(classes[0]), wb = w(classes[1]), wc = w(classes[2])
        let e1 = zip(wb, wa).map { $0 - $1 }, e2 = zip(wc, wa).map { $0 - $1 }
        let n1 = norm(e1), n2 = norm(e2)
        let collinear = ValidationError(.invalidValue,
                                        "the templates of classes \(classes) are collinear (or coincide): they do not span a plane to project onto; choose other classes",
                                        path: "projection_classes")
        guard n1 > 0, n2 > 0 else { throw collinear }
        let u1 = e1.map { $0 / n1 }
        let along = zip(e2, u1).reduce(0) { $0 + $1.0 * $1.1 }
        let orthogonal = zip(e2, u1).map { $0 - along * $1 }
        let n3 = norm(orthogonal)
        guard n3 > collinearityTolerance * n2 else { throw collinear }
        return Plane(classes: classes, origin: wa, u1: u1, u2: orthogonal.map { $0 / n3 })
    }

    /// Rows (of `labels`) in the plane's three classes: O(B) for the labels, O(P·D) for the
    /// points, P the rows of those classes.
    public static func rowCount(labels: [Int], plane: Plane) -> Int {
        labels.reduce(0) { $0 + (plane.classes.contains($1) ? 1 : 0) }
    }

    public init(features: Matrix, labels: [Int], weights: Matrix, plane: Plane) {
        let d = features.columns
        classes = plane.classes
        let offset1 = zip(plane.origin, plane.u1).reduce(0) { $0 + $1.0 * $1.1 }
        let offset2 = zip(plane.origin, plane.u2).reduce(0) { $0 + $1.0 * $1.1 }
        var points: [(Double, Double)] = []
        var kept: [Int] = []
        var marks: [(Double, Double)] = []
        features.values.withUnsafeBufferPointer { x in
            weights.values.withUnsafeBufferPointer { w in
                plane.u1.withUnsafeBufferPointer { u1 in
                    plane.u2.withUnsafeBufferPointer { u2 in
                        let project = { (row: UnsafePointer<Float>) -> (Double, Double) in
                            let (a, b) = RepresentationRows.dots(row, u1.baseAddress!, u2.baseAddress!, d)
                            return (a - offset1, b - offset2)
                        }
                        marks = plane.classes.map { project(w.baseAddress! + $0 * d) }
                        for (i, y) in labels.enumerated() where plane.classes.contains(y) {
                            points.append(project(x.baseAddress! + i * d))
                            kept.append(y)
                        }
                    }
                }
            }
        }
        templates = marks
        self.points = points
        self.labels = kept
    }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}
