import SoftLabelKernels
import SoftLabelWire

/// Model `representation`: `POST /v1/representation` as an inference. Scalars are [1] outputs,
/// `feature_norm` is `feature_norm_mean` [1] and `feature_norm_per_class` [K] (NaN for an absent
/// class), the projection is four `projection_*` outputs (with the `weights` input and the
/// `projection_classes` parameter), and the mergeable `state` is one BYTES element holding its
/// JSON (only when requested), ready for `POST /v1/representation/merge`.
enum RepresentationModel {
    static let model = InferenceModel(
        name: "representation",
        summary: "Class separation R², feature norms, within/between-class variance and the template-plane projection of penultimate-layer features, as POST /v1/representation; parameters num_classes and projection_classes.",
        inputs: [
            TensorSpec("features", [.fp32], "[B, D]", optional: false, "B rows of D penultimate-layer features, none all zero."),
            TensorSpec("labels", [.int64, .int32], "[B]", optional: false, "Class indices in [0, K); INT64 or INT32."),
            TensorSpec("weights", [.fp32], "[K, D]", "The final layer's class templates, with parameter projection_classes."),
        ],
        outputs: [
            TensorSpec("count", [.int64], "[1]", "N, rows."),
            TensorSpec("num_classes_present", [.int64], "[1]", "Classes with at least one row."),
            TensorSpec("class_separation_r2", [.fp64], "[1]", "1 − within/total cosine distance (Kornblith et al. 2021); NaN when total is 0."),
            TensorSpec("within_distance", [.fp64], "[1]", "Mean within-class cosine distance."),
            TensorSpec("total_distance", [.fp64], "[1]", "Mean cosine distance over all pairs of classes."),
            TensorSpec("feature_norm_mean", [.fp64], "[1]", "Mean ‖x‖₂."),
            TensorSpec("feature_norm_per_class", [.fp64], "[K]", "Mean ‖x‖₂ per class (NaN for an absent class)."),
            TensorSpec("within_class_variance", [.fp64], "[1]", "(1/N) Σ_i ‖x_i − μ_{y_i}‖²."),
            TensorSpec("between_class_variance", [.fp64], "[1]", "(1/N) Σ_k N_k ‖μ_k − μ‖²."),
            TensorSpec("variance_ratio", [.fp64], "[1]", "between / within; NaN when within is 0."),
            TensorSpec("projection_classes", [.int64], "[3]", "The classes a, b, c of the projection (with weights)."),
            TensorSpec("projection_templates", [.fp64], "[3, 2]", "The templates w_a, w_b, w_c in the plane."),
            TensorSpec("projection_points", [.fp64], "[P, 2]", "The rows of classes a, b, c in the plane, in input order."),
            TensorSpec("projection_labels", [.int64], "[P]", "The label of each projected point."),
            TensorSpec("state", [.bytes], "[1]", "The mergeable state as JSON text, for POST /v1/representation/merge (only when requested)."),
        ],
        parameters: ["num_classes", "projection_classes"],
        onRequestOnly: ["state"],
        run: run)

    static func run(_ inputs: ModelInputs, _ p: InferenceParameters, _ requested: Set<String>?, _ decoding: RequestDecoding) throws -> InferenceModel.Prepared {
        let request = try RepresentationEndpoint.makeRequest(
            features: try inputs.matrix("features"), labels: try inputs.integers("labels"), numClasses: try p.int("num_classes"),
            weights: try inputs.matrix("weights"), projectionClasses: try p.intList("projection_classes"), decoding: decoding,
            missing: { name, why in
                name == "projection_classes"
                    ? ServiceError(status: 422, code: "missing_field", message: "missing parameter \"projection_classes\": \(why)", path: "parameters.projection_classes")
                    : inputs.missing(name, why)
            })
        let withState = requested?.contains("state") == true
        return InferenceModel.Prepared(cost: request.cost) {
            let (state, projection) = try RepresentationEndpoint.compute(request)
            return InferenceModel.Result(outputs: outputs(RepresentationMetrics(state), projection, state: withState ? state : nil))
        }
    }

    /// The outputs in metadata order.
    static func outputs(_ m: RepresentationMetrics, _ projection: TemplateProjection?, state: RepresentationState?) -> [OutputTensor] {
        var result: [OutputTensor] = [
            .scalar("count", m.count), .scalar("num_classes_present", m.numClassesPresent),
            .scalar("class_separation_r2", m.classSeparationR2), .scalar("within_distance", m.withinDistance),
            .scalar("total_distance", m.totalDistance), .scalar("feature_norm_mean", m.featureNormMean),
            OutputTensor(name: "feature_norm_per_class", shape: [m.featureNormPerClass.count], data: .fp64(m.featureNormPerClass.map { $0 ?? .nan })),
            .scalar("within_class_variance", m.withinClassVariance), .scalar("between_class_variance", m.betweenClassVariance),
            .scalar("variance_ratio", m.varianceRatio),
        ]
        if let projection {
            let flat = { (pairs: [(Double, Double)]) in pairs.flatMap { [$0.0, $0.1] } }
            result.append(OutputTensor(name: "projection_classes", shape: [3], data: .int64(projection.classes)))
            result.append(OutputTensor(name: "projection_templates", shape: [3, 2], data: .fp64(flat(projection.templates))))
            result.append(OutputTensor(name: "projection_points", shape: [projection.points.count, 2], data: .fp64(flat(projection.points))))
            result.append(OutputTensor(name: "projection_labels", shape: [projection.labels.count], data: .int64(projection.labels)))
        }
        if let state {
            var w = JSONWriter(capacity: 1024 + state.featureSum.count * 2 * 20)
            RepresentationStateJSON.write(state, into: &w)
            result.append(OutputTensor(name: "state", shape: [1], data: .bytes([w.bytes])))
        }
        return result
    }
}
