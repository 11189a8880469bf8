import SoftLabelHTTP
import SoftLabelKernels
import SoftLabelWire

/// `POST /v1/representation`: class separation, feature norms, within/between-class variance,
/// the mergeable `state` and, with `weights` and `projection_classes`, the Müller et al. 2019
/// template-plane projection of penultimate-layer features (docs/api.md).
enum RepresentationEndpoint {
    static let fields = ["features", "labels", "num_classes", "weights", "projection_classes"]
    static let example = #"{"features": [[0.5, 1.2, -0.3], [0.4, 1.1, -0.2], [-0.9, 0.1, 0.8]], "labels": [0, 0, 1]}"#

    /// A decoded, validated request; every size that grows with it has been checked.
    struct Request: Sendable {
        var features: Matrix
        var labels: [Int]
        var numClasses: Int
        var weights: Matrix?
        var plane: TemplateProjection.Plane?
        var projectedRows: Int

        /// Element-operations: the B×D pass (norm, two sums: ~3 per value), the K×D metrics and
        /// state writing, and P×D for the projected rows.
        var cost: Int {
            Int.cost(features.rows, features.columns, 3)
                .addingSaturating(Int.cost(numClasses, features.columns, 4))
                .addingSaturating(Int.cost(projectedRows, features.columns, 2))
        }
    }

    static func decode(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Request {
        var features: Matrix?, labels: [Int]?, numClasses: Int?, weights: Matrix?, classes: [Int]?
        try decoding.decodeObject(body, allowed: fields, example: example) { key, reader in
            switch key {
            case "features": features = try reader.readFloatMatrix(path: key, maxElements: decoding.configuration.maxElements)
            case "labels": labels = try reader.readIntArray(path: key)
            case "num_classes": numClasses = try reader.readInt(path: key)
            case "weights": weights = try reader.readFloatMatrix(path: key, maxElements: decoding.configuration.maxElements)
            case "projection_classes": classes = try reader.readIntArray(path: key)
            default: return false
            }
            return true
        }
        return try makeRequest(features: features, labels: labels, numClasses: numClasses, weights: weights,
                               projectionClasses: classes, decoding: decoding)
    }

    /// The request from its parts (shared with the Open Inference `representation` model, whose
    /// `missing` words an absent input as a tensor). K is `numClasses`, else the rows of
    /// `weights`, else the largest label + 1.
    static func makeRequest(features: Matrix?, labels: [Int]?, numClasses: Int?, weights: Matrix?, projectionClasses: [Int]?,
                            decoding: RequestDecoding,
                            missing: (String, String) -> ServiceError = ServiceError.missingField) throws -> Request {
        guard let features else { throw missing("features", "a B×D matrix of penultimate-layer features") }
        guard let labels else { throw missing("labels", "B class indices, one per row") }
        switch (weights, projectionClasses) {
        case (.some, nil): throw missing("projection_classes", "the three classes [a, b, c] whose templates (rows of weights) span the projection plane")
        case (nil, .some): throw missing("weights", "the K×D final-layer weights whose rows a, b, c span the projection plane")
        default: break
        }
        let limits = decoding.configuration
        if let numClasses, numClasses > limits.maxClasses {
            throw ServiceError(status: 422, code: "too_large", message: "num_classes is \(numClasses); the limit is \(limits.maxClasses) (raise it with \(SettingName.both("maxClasses")))", path: "num_classes")
        }
        let k = try RepresentationPass.validate(features: features, labels: labels, numClasses: numClasses ?? weights?.rows)
        let kPath = numClasses != nil ? "num_classes" : (weights != nil ? "weights" : "labels")
        if k > limits.maxClasses {
            throw ServiceError(status: 422, code: "too_large", message: "\(kPath) makes \(k) classes; the limit is \(limits.maxClasses) (raise it with \(SettingName.both("maxClasses")))", path: kPath)
        }
        // The state: K×D float64 sums twice (held while computing, and written), plus 3 per class.
        try decoding.checkResponse(bytes: Int.cost(k, features.columns, 2, RequestDecoding.bytesPerDouble).addingSaturating(Int.cost(k, 4, RequestDecoding.bytesPerDouble)),
                                   path: kPath, what: "the state (\(k) classes × \(features.columns) features, two float64 sums each)")
        var plane: TemplateProjection.Plane?
        var projectedRows = 0
        if let weights, let projectionClasses {
            plane = try TemplateProjection.plane(weights: weights, classes: projectionClasses, numClasses: k, dimension: features.columns)
            projectedRows = TemplateProjection.rowCount(labels: labels, plane: plane!)
            try decoding.checkResponse(bytes: Int.cost(projectedRows, 2 * RequestDecoding.bytesPerFloat + 12), path: "projection_classes",
                                       what: "the projection (\(projectedRows) points)")
        }
        return Request(features: features, labels: labels, numClasses: k, weights: weights, plane: plane, projectedRows: projectedRows)
    }

    /// The state (throws 422 at `features[i]` for a zero or non-finite row) and the projection.
    static func compute(_ r: Request) throws -> (RepresentationState, TemplateProjection?) {
        let state = try RepresentationPass.accumulate(features: r.features, labels: r.labels, numClasses: r.numClasses)
        var projection: TemplateProjection?
        if let plane = r.plane, let weights = r.weights {
            projection = TemplateProjection(features: r.features, labels: r.labels, weights: weights, plane: plane)
        }
        return (state, projection)
    }

    static func prepare(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Prepared {
        let request = try decode(body, decoding)
        return .compute(cost: request.cost) {
            let (state, projection) = try compute(request)
            return RepresentationJSON.response(RepresentationMetrics(state), projection: projection, state: state)
        }
    }
}

/// `POST /v1/representation/merge`: `{"states": [...]}` → every `/v1/representation` field but
/// `projection`, as one request over the concatenated rows, with the merged `state`.
enum RepresentationMergeEndpoint {
    static let example = #"{"states": [<the "state" of each /v1/representation response>]}"#

    static func prepare(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Prepared {
        var states: [RepresentationState]?
        try decoding.decodeObject(body, allowed: ["states"], example: example) { key, reader in
            guard key == "states" else { return false }
            var list: [RepresentationState] = []
            try reader.beginArray(path: key)
            while try reader.nextElement() {
                list.append(try RepresentationStateJSON.read(&reader, path: "states[\(list.count)]"))
            }
            states = list
            return true
        }
        guard let states, let first = states.first else {
            throw ServiceError.missingField("states", "a non-empty list of `state` objects from /v1/representation responses")
        }
        // The merged state is the size of one of them; its text can be longer than theirs was.
        try decoding.checkResponse(bytes: Int.cost(first.numClasses, first.dimension, 2, RequestDecoding.bytesPerDouble),
                                   path: "states", what: "the merged state (\(first.numClasses) classes × \(first.dimension) features)")
        let merged = try RepresentationState.merge(states)!
        return .compute(cost: Int.cost(merged.numClasses, merged.dimension, 4)) {
            RepresentationJSON.response(RepresentationMetrics(merged), projection: nil, state: merged)
        }
    }
}

/// `POST /v1/projection-diagram`: the `/v1/representation` request (with `weights` and
/// `projection_classes`), answered with the template-plane projection as SVG.
enum ProjectionDiagramEndpoint {
    static let example = #"{"features": [[0.9, 0.1], [0.1, 1.1], [-1.0, -0.8]], "labels": [0, 1, 2], "weights": [[1, 0], [0, 1], [-1, -1]], "projection_classes": [0, 1, 2]}"#

    static func prepare(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Prepared {
        let request = try RepresentationEndpoint.decode(body, decoding)
        guard request.plane != nil else {
            throw ServiceError.missingField("weights", "the K×D final-layer weights and projection_classes [a, b, c]: the diagram is their projection")
        }
        return .compute(cost: request.cost, contentType: "image/svg+xml") {
            let (_, projection) = try RepresentationEndpoint.compute(request)
            return ProjectionDiagram.svgBytes(projection!)
        }
    }
}
