/// The example behind the page's "Try an example" button: two small MLPs trained on scikit-learn's
/// digits, without and with label smoothing (ε = 0.1), their held-out logits, penultimate
/// features and final-layer weights, and the labels (`examples/data/digits-*.npy`, written by
/// `examples/digits_label_smoothing.py`). Embedded in the binary like the page, served at
/// `GET /examples/{file}` as the `.npy` bytes, so a first visit shows something without a file
/// of one's own and without any network.
enum PageExamples {
    static let files: [(name: String, bytes: [UInt8])] = [
        ("digits-labels.npy", PackageResources.digits_labels_npy),
        ("digits-onehot-logits.npy", PackageResources.digits_onehot_logits_npy),
        ("digits-smoothed-logits.npy", PackageResources.digits_smoothed_logits_npy),
        ("digits-onehot-features.npy", PackageResources.digits_onehot_features_npy),
        ("digits-smoothed-features.npy", PackageResources.digits_smoothed_features_npy),
        ("digits-onehot-weights.npy", PackageResources.digits_onehot_weights_npy),
        ("digits-smoothed-weights.npy", PackageResources.digits_smoothed_weights_npy),
    ]

    /// The named file, or a 404 that lists the files.
    static func response(_ name: String?) throws(ServiceError) -> ServiceResponse {
        guard let name, let file = files.first(where: { $0.name == name }) else {
            throw ServiceError(status: 404, code: "not_found",
                               message: "no example file \"\(name ?? "")\"; the example files are \(files.map(\.name).joined(separator: ", "))")
        }
        return ServiceResponse(contentType: "application/octet-stream", body: file.bytes)
    }
}
