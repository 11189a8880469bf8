/// The values the structure-aware mutations put into requests: numbers at the edges of float32,
/// float64, Int32, Int64 and the 2^53 exact-integer range, text that is not a JSON number, the
/// fields that size the work (`bins`, `top_k`, `bootstrap`, `num_classes`, `seed`, shapes,
/// `binary_data_size`), every enum value the API knows, and counts for merged calibration states.
enum Edge {
    /// Number texts, JSON and not (the non-JSON ones test the reader's errors, and are the NaN and
    /// infinities of binary tensors).
    static let numbers: [String] = [
        "0", "-0", "0.0", "-0.0", "1", "-1", "2", "0.5", "0.1", "1.5", "1e-7", "0.9999999", "1.0000001",
        "1e-45", "-1e-45", "1.4e-45", "7e-46", "1.17549435e-38", "1.1754942e-38", "3.4e38", "-3.4e38", "3.4028235e38",
        "3.4028236e38", "3.5e38", "-3.5e38", "1e38", "88.8", "-88.8", "104", "-104",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296",
        "9007199254740991", "9007199254740992", "9007199254740993", "-9007199254740993",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "1e308", "-1e308", "1.7976931348623157e308", "1e309", "-1e309",
        "1e-320", "4.9e-324", "2.2250738585072014e-308", "1e-400",
        "100000", "65536", "65537", "4096", "4097", "10000", "10001", "1000000", "1000001",
        "16777216", "16777217", "64", "65", "15", "-100", "255", "256", "1e10", "1E+2", "1e0",
        "1" + String(repeating: "0", count: 400), "-" + "9" + String(repeating: "9", count: 330),
        "0." + String(repeating: "0", count: 380) + "1", "1." + String(repeating: "0", count: 700) + "1",
        // Not JSON numbers.
        "NaN", "-NaN", "nan", "Infinity", "-Infinity", "inf", "+1", ".5", "1.", "01", "0x10", "1e", "--1", "1_000",
    ]

    /// Edge values of a float field (temperature, ε, γ, α, β): zero and signed zero, the smallest
    /// subnormal and normal float32, values that round to 0 or to infinity in float32, just
    /// around 1, exp's overflow region, the float32 maximum and past it, float64's extremes, and
    /// non-numbers.
    static let floats: [String] = [
        "0", "-0", "1e-45", "1.4e-45", "-1e-45", "7e-46", "1e-40", "1.17549435e-38", "1e-30", "1e-10", "1e-7",
        "0.5", "0.9999999", "1", "1.0000001", "1.5", "2", "88.8", "104", "1e10", "1e38", "3.4e38", "3.5e38", "-1",
        "-3.4e38", "1e308", "1e-320", "NaN", "Infinity",
    ]

    /// Edge values of an integer field (sizes, counts, seeds, indices): around 0, the service's
    /// limits (4096 and 65536 classes and elements in the small configuration, 10,000 bins and
    /// resamples, 16,777,216 elements, 1,000,000 classes), Int32, 2^53 and Int64 edges, beyond
    /// Int64, and non-integers.
    static let integers: [String] = [
        "0", "-0", "1", "2", "-1", "-100", "5", "15", "16", "64", "65", "255", "4096", "4097", "10000", "10001",
        "65536", "65537", "1000000", "1000001", "16777216", "16777217", "2147483647", "2147483648", "-2147483649",
        "9007199254740991", "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "1" + String(repeating: "0", count: 400), "1.5", "1e3", "1.0", "1e308", "NaN",
    ]

    /// The fields `edgeField` sets to `floats`; the others get `integers`.
    static let floatFields: Set<String> = ["temperature", "label_smoothing", "gamma", "alpha", "confidence_penalty"]

    /// An edge value for field `name`: of its type for `b < 128`, else any number text.
    static func value(for name: String, _ b: UInt8) -> FuzzJSON {
        guard b < 128 else { return number(Int(b)) }
        let table = floatFields.contains(name) ? floats : integers
        return jsonOrRaw(table[Int(b) % table.count])
    }

    static func jsonOrRaw(_ text: String) -> FuzzJSON {
        FuzzJSON.parse(ArraySlice(text.utf8)) != nil ? .number(text) : .raw(text)
    }

    /// The request fields whose values size the work or pick code paths.
    static let sizeFields: [String] = [
        "bins", "top_k", "bootstrap", "num_classes", "seed", "ignore_index", "temperature", "label_smoothing",
        "gamma", "alpha", "confidence_penalty", "binary_data_size", "priority", "timeout", "coverages", "method",
    ]

    /// The work-sizing fields `route` reads (`binary_data_size` for every model).
    static func sizeFields(for route: FuzzRoute) -> [String] {
        let fields: [String]
        switch route.path ?? route.model ?? "" {
        case "/v1/smooth", "smooth": fields = ["num_classes", "label_smoothing", "ignore_index"]
        case "/v1/loss", "loss": fields = ["label_smoothing", "ignore_index", "gamma", "temperature", "alpha", "confidence_penalty"]
        case "/v1/calibration", "/v1/reliability-diagram": fields = ["temperature", "bins", "top_k", "bootstrap", "seed"]
        case "calibration": fields = ["temperature", "bins", "top_k"]
        case "/v1/calibration/merge": fields = ["num_classes", "bins", "temperature", "top_k", "version"]
        case "/v1/temperature", "temperature": fields = ["bins"]
        default: fields = sizeFields
        }
        return route.isInference ? fields + ["binary_data_size"] : fields
    }

    /// Tensor dimensions: empty, one, the limits and just past them, and overflowing products.
    static let dimensions: [String] = [
        "0", "1", "2", "3", "-1", "-2", "4096", "4097", "65536", "65537", "1000000", "1000001", "16777216", "16777217",
        "2147483647", "2147483648", "4294967296", "4294967297", "3037000500", "9007199254740993",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e3", "1.5", "18446744073709551617",
    ]

    /// String values: every enum of the API, datatypes, tensor names, and awkward text.
    static let strings: [String] = [
        "cross_entropy", "focal", "distillation", "binary_cross_entropy", "mean", "sum", "none",
        "uniform", "off_target", "prior", "similarity", "equal_width", "equal_mass", "torchmetrics", "netcal", "kumar",
        "lower_closed", "upper_closed", "separate_one", "temperature", "vector", "matrix",
        "FP32", "FP64", "FP16", "BF16", "INT64", "INT32", "INT16", "INT8", "UINT64", "UINT32", "UINT8", "BOOL", "BYTES", "fp32",
        "logits", "labels", "targets", "probabilities", "teacher_logits", "weight", "similarity",
        "loss", "count", "per_sample", "gradient", "state", "ece", "reliability_count", "top_k", "top_k_accuracy",
        "smooth", "calibration", "1", "2", "", " ", "\u{0}", "\u{FFFD}", "é", "1,5", "1,,5", "5,1", "-1", "0,1,2,3",
        "99999999999", "1, 5 ", String(repeating: "x", count: 300), "\"", "\\",
    ]

    /// Keys to add: every field of every endpoint, of inference requests and of calibration
    /// states, and some the API does not have.
    static let keys: [String] = [
        "logits", "labels", "targets", "probabilities", "teacher_logits", "weight", "prior", "similarity",
        "num_classes", "label_smoothing", "smoothing", "ignore_index", "loss", "reduction", "gamma", "temperature",
        "alpha", "confidence_penalty", "return", "bins", "binning", "preset", "top_k", "bootstrap", "seed", "metrics",
        "coverages", "method", "odir", "features", "states", "state",
        "id", "parameters", "inputs", "outputs", "model_name", "model_version", "name", "shape", "datatype", "data",
        "binary_data_size", "binary_data", "binary_data_output", "classification", "priority", "timeout",
        "shared_memory_region", "version", "edge_rule", "count", "correct", "top_k_correct", "confidence_sum",
        "nll_sum", "nll_infinite_count", "brier_sum", "entropy_sum", "bin_count", "bin_correct", "bin_confidence_sum",
        "class_bin_count", "class_bin_positives", "class_bin_probability_sum", "", "unknown", "Logits", "logits ",
    ]

    /// The integer fields of a calibration `state`, and its float sums.
    static let stateCountKeys = ["count", "correct", "top_k_correct", "nll_infinite_count", "bin_count", "bin_correct",
                                 "class_bin_count", "class_bin_positives"]
    static let stateSumKeys = ["confidence_sum", "nll_sum", "brier_sum", "entropy_sum", "bin_confidence_sum",
                               "class_bin_probability_sum"]
    static let stateArithmeticKeys = stateCountKeys + stateSumKeys
    static let stateKeys = stateArithmeticKeys + ["num_classes", "bins", "temperature", "version", "top_k"]

    /// Bin counts for a resized state: the smallest, the defaults, where 2^53-sized counts start
    /// to overflow a sum (1025), the limit (10,000) and past it.
    static let stateBins = [1, 2, 10, 15, 1024, 1025, 2048, 4097, 10000, 10001, 0]

    /// Values for state counts and sums: exact-integer limits, Int limits, fractions, negatives.
    static let stateValues: [String] = [
        "0", "1", "2", "2147483647", "2147483648", "4503599627370496", "9007199254740991", "9007199254740992",
        "9007199254740993", "4611686018427387904", "9223372036854775807", "9223372036854775808",
        "1.5", "-1", "-0", "1e300", "1e308", "1.7976931348623157e308", "4.9e-324", "1e-320", "NaN", "Infinity",
    ]

    /// Output names a request can ask for, across the models.
    static let outputNames = [
        "targets", "num_classes", "label_smoothing", "loss", "count", "per_sample", "gradient", "probabilities",
        "accuracy", "ece", "mce", "smooth_ece", "smooth_ece_bandwidth", "top_k", "top_k_accuracy", "reliability_lower",
        "reliability_count", "reliability_confidence", "state", "temperature", "nll_after", "converged", "iterations",
        "nope",
    ]

    /// A value for an added field: numbers, strings and small containers, by `b`.
    static func value(_ b: UInt8) -> FuzzJSON {
        let i = Int(b >> 2)
        switch b & 3 {
        case 0: return number(i)
        case 1: return .string(strings[i % strings.count])
        case 2:
            let containers: [FuzzJSON] = [
                .array([]), .array([.array([])]), .array([.number("1"), .number("2")]),
                .array([.array([.number("1"), .number("2")]), .array([.number("3")])]),
                .array([.number("0.1"), .number("0.9")]), .array([.string("a")]), .object([]),
                .array([.array([.number("0.5"), .number("0.5")])]), .array([.null]), .bool(true), .null,
                .object([("lambda", .number("0.1")), ("mu", .number("0.1"))]),
                .array([.number("1"), .number("5")]), .array([.string("ece")]),
            ]
            return containers[i % containers.count]
        default:
            return .array([number(i), number(i + 1)])
        }
    }

    /// `numbers[i]`: non-JSON texts go in as raw text, JSON numbers as numbers.
    static func number(_ i: Int) -> FuzzJSON { jsonOrRaw(numbers[i % numbers.count]) }
}
