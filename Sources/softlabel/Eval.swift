import ArgumentParser
import Glibc
import SoftLabelKernels
import SoftLabelNumPy
import SoftLabelService
import SoftLabelWire

/// `softlabel eval SCORES [LABELS]`: `/v1/calibration` (and with `--loss` `/v1/loss`) on NumPy
/// files or a JSON request, without a server. docs/eval.md has the formats and examples.
///
/// The rows from `.npy`/`.npz` files reach the service decoded (`SoftLabelService.calibration(
/// matrix:...)`, `.loss(logits:...)`); the options are written as the JSON object of the
/// endpoint's own fields and decoded by the endpoint's decoder, so the output is byte for byte
/// what the endpoint answers for a JSON body holding the same float32 values.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate logits or probabilities in .npy/.npz files (or a JSON request) without a server.",
        discussion: """
            Prints the /v1/calibration response for SCORES and LABELS: exactly the bytes \
            `softlabel call /v1/calibration` prints for a JSON body holding the same float32 values \
            and options. With --loss, prints one object with both responses embedded unchanged: \
            {"calibration":<that response>,"loss":<the /v1/loss response for the same logits and \
            labels>}. One line, then a newline.

            SCORES is a .npy file of B×K logits (or probabilities, with --probabilities): float16, \
            float32 or float64, C or Fortran order, either byte order; LABELS a .npy of B integer \
            labels (int8..int64, uint8..uint64). Or SCORES is a .npz archive (np.savez or \
            np.savez_compressed) with a member named logits or probabilities, and labels (unless \
            LABELS is given). Or SCORES is a JSON /v1/calibration request, read as `softlabel call` \
            reads it (then no LABELS, --probabilities or calibration options). '-' reads standard input.

            The options are the endpoint's JSON fields, written as in JSON and checked by the service: \
            an invalid value is the API's 4xx error. The limits (--max-elements, --max-classes and \
            their environment variables) apply to the files' declared shapes before anything is \
            read. Exit status: 0 success; 1 a file cannot be used (one line on stderr naming it) or \
            the service answered an error (its JSON on stdout); 64 a bad command line or setting.
            """
    )

    @Argument(help: "Logits or probabilities: a .npy file of shape [B, K], a .npz archive, or a JSON /v1/calibration request ('-': standard input).")
    var scores: String
    @Argument(help: "The labels: a .npy file of shape [B] (integers). Not needed when SCORES is a .npz with a labels member, or JSON.")
    var labels: String?

    @Option(help: "Calibration `bins` (reliability bins).") var bins: String?
    @Option(help: "Calibration `preset`: torchmetrics, netcal or kumar.") var preset: String?
    @Option(help: "Calibration `binning`: equal_width or equal_mass.") var binning: String?
    @Option(name: .customLong("top-k"), help: "Calibration `top_k`, comma-separated, e.g. 1,5.") var topK: String?
    @Option(help: "Calibration `temperature` applied to the logits (the loss uses the logits as they are).") var temperature: String?
    @Option(help: "Calibration `bootstrap` resamples for 95% intervals.") var bootstrap: String?
    @Option(help: "Calibration `seed` of the bootstrap.") var seed: String?
    @Option(help: "Loss `label_smoothing` ε (with --loss).") var labelSmoothing: String?
    @Option(help: "Loss `smoothing`: uniform or off_target (with --loss).") var smoothing: String?
    @Flag(help: "Also print the /v1/loss response (cross-entropy on the logits) for the same rows.") var loss = false
    @Flag(help: "SCORES holds probabilities (rows summing to 1), not logits.") var probabilities = false

    @OptionGroup(title: "Limits") var limits: LimitOptions

    func validate() throws {
        for (flag, value) in [("--bins", bins), ("--temperature", temperature), ("--bootstrap", bootstrap), ("--seed", seed),
                              ("--label-smoothing", labelSmoothing)] {
            if let value, !JSONNumberText.isValid(value) {
                throw ValidationError("\(flag) \(value) is not a number as JSON writes it (e.g. 15, 0.1, 1e-3)")
            }
        }
        if let topK, !topKValues(topK).allSatisfy(JSONNumberText.isValid) {
            throw ValidationError("--top-k \(topK) is not a comma-separated list of numbers (e.g. 1,5)")
        }
        if !loss, labelSmoothing != nil || smoothing != nil {
            throw ValidationError("--label-smoothing and --smoothing apply to the loss: add --loss")
        }
        if loss, probabilities {
            throw ValidationError("--loss needs logits; --probabilities says the scores are probabilities")
        }
    }

    func run() throws {
        let settings = try ServerSettings.resolveOrExit(limits.flags)
        let service = SoftLabelService(configuration: settings.service)
        let progress = ProgressLine()
        // From a pipe: a JSON body up to --max-body-bytes, or float64 arrays at the element limit.
        let (arrayBytes, overflow) = settings.service.maxElements.multipliedReportingOverflow(by: 8)
        let files = EvalFiles(
            limits: ArrayLimits(maxElements: settings.service.maxElements, maxClasses: settings.service.maxClasses),
            maxReadBytes: max(settings.service.maxBodyBytes, overflow ? .max : arrayBytes + (1 << 20)),
            progress: progress.update)
        do {
            let input = try files.load(scores: scores, labels: labels, probabilitiesFlag: probabilities)
            progress.finish()
            try answer(input, service)
        } catch let failure as EvalFailure {
            progress.finish()
            ProgressLine.write("softlabel eval: \(failure.message)\n")
            throw ExitCode(failure.status)
        }
    }

    func answer(_ input: EvalInput, _ service: SoftLabelService) throws {
        let calibration: ServiceResponse
        var rows: (logits: Matrix, labels: [Int])?
        switch input {
        case .request(let body, let file):
            if let flag = calibrationFlags.first {
                throw EvalFailure.usage("\(flag) cannot be used with a JSON request (\(file)): put the field in the request")
            }
            calibration = service.call("/v1/calibration", body: body)
            if loss, calibration.isSuccess {
                switch service.calibrationRows(body: body) {
                case .success(let r) where r.isProbabilities: throw EvalFailure.file(file, "the request holds probabilities; --loss needs logits")
                case .success(let r): rows = (r.matrix, r.labels)
                case .failure(let error): try finish(ServiceResponse(error))
                }
            }
        case .rows(let matrix, let isProbabilities, let labels, let file):
            if loss, isProbabilities { throw EvalFailure.file(file, "the archive holds probabilities; --loss needs logits") }
            calibration = service.calibration(matrix: matrix, isProbabilities: isProbabilities, labels: labels, options: calibrationOptions)
            if loss { rows = (matrix, labels) }
        }
        guard calibration.isSuccess, let rows else { return try finish(calibration) }
        let lossResponse = service.loss(logits: rows.logits, labels: rows.labels, options: lossOptions)
        guard lossResponse.isSuccess else { return try finish(lossResponse) }
        var w = JSONWriter(capacity: calibration.body.count + lossResponse.body.count + 32)
        w.beginObject()
        w.key("calibration"); w.writeRaw(calibration.body)
        w.key("loss"); w.writeRaw(lossResponse.body)
        w.endObject()
        try finish(ServiceResponse(body: w.bytes))
    }

    /// Prints the body and a newline; exit status 1 for an error response.
    func finish(_ response: ServiceResponse) throws {
        var out = response.body
        out.append(0x0A)
        var offset = 0
        while offset < out.count {
            let n = out[offset...].withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw ExitCode(1) }
            offset += n
        }
        if !response.isSuccess { throw ExitCode(1) }
    }

    /// The calibration options given, by flag (none may come with a JSON request).
    var calibrationFlags: [String] {
        [("--bins", bins), ("--preset", preset), ("--binning", binning), ("--top-k", topK), ("--temperature", temperature),
         ("--bootstrap", bootstrap), ("--seed", seed)].compactMap { $0.1 == nil ? nil : $0.0 }
    }

    /// `{"bins":15,"top_k":[1,5],...}`: the calibration fields the flags give, numbers as typed.
    var calibrationOptions: [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        if let bins { w.key("bins"); w.writeRaw(bins.utf8) }
        if let preset { w.key("preset"); w.writeString(preset) }
        if let binning { w.key("binning"); w.writeString(binning) }
        if let topK {
            w.key("top_k")
            w.beginArray()
            for k in topKValues(topK) { w.writeRaw(k.utf8) }
            w.endArray()
        }
        if let temperature { w.key("temperature"); w.writeRaw(temperature.utf8) }
        if let bootstrap { w.key("bootstrap"); w.writeRaw(bootstrap.utf8) }
        if let seed { w.key("seed"); w.writeRaw(seed.utf8) }
        w.endObject()
        return w.bytes
    }

    /// `{"label_smoothing":0.1,"smoothing":"uniform"}`: the loss fields the flags give.
    var lossOptions: [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        if let labelSmoothing { w.key("label_smoothing"); w.writeRaw(labelSmoothing.utf8) }
        if let smoothing { w.key("smoothing"); w.writeString(smoothing) }
        w.endObject()
        return w.bytes
    }

    func topKValues(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false).map { String($0.trimmingCharacters(in: " ")) }
    }
}

/// RFC 8259 number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
enum JSONNumberText {
    static func isValid(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        func digits() -> Int {
            let n = bytes.prefix { $0 >= 0x30 && $0 <= 0x39 }.count
            bytes = bytes.dropFirst(n)
            return n
        }
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: "0") { bytes = bytes.dropFirst() } else if digits() == 0 { return false }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            if digits() == 0 { return false }
        }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            if digits() == 0 { return false }
        }
        return bytes.isEmpty
    }
}

private extension Substring {
    func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return s
    }
}
