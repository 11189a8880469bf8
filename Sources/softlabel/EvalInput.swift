import SoftLabelKernels
import SoftLabelNumPy

/// What `softlabel eval` computes on: a JSON `/v1/calibration` request as it is, or rows read
/// from NumPy files.
enum EvalInput {
    case request(body: [UInt8], file: String)
    case rows(matrix: Matrix, isProbabilities: Bool, labels: [Int], file: String)
}

/// Why `softlabel eval` stops before computing: the one line for standard error and the exit
/// status (1: a file cannot be used; 64: the command line asks for something impossible).
struct EvalFailure: Error {
    let message: String
    let status: Int32

    static func file(_ path: String, _ message: String) -> EvalFailure { EvalFailure(message: "\(path): \(message)", status: 1) }
    static func usage(_ message: String) -> EvalFailure { EvalFailure(message: message, status: 64) }
}

/// Opens the files of `softlabel eval SCORES [LABELS]` and reads them into an `EvalInput`.
///
/// A file's kind comes from its first bytes, not its name: `\x93NUMPY` is a `.npy` file,
/// `PK\x03\x04` a `.npz` (zip) archive, `{` a JSON request. Headers are read and checked first
/// (dtype, shape, the service's limits, labels against rows), and only then are the arrays
/// converted, the labels before the (large) matrix.
struct EvalFiles {
    let limits: ArrayLimits
    /// The most bytes read from a pipe (a regular file is mapped, whatever its size).
    let maxReadBytes: Int
    let progress: ((Int, Int) -> Void)?

    enum Kind { case npy, npz, json }

    func open(_ path: String) throws(EvalFailure) -> (MappedFile, Kind) {
        let file: MappedFile
        do {
            file = try MappedFile(path: path == "-" ? "/dev/stdin" : path, maxReadBytes: maxReadBytes)
        } catch {
            throw .file(path, error.message)
        }
        let bytes = file.bytes
        if NPYHeader.hasMagic(bytes) { return (file, .npy) }
        if NPZArchive.hasMagic(bytes) { return (file, .npz) }
        if let first = bytes.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }), first == UInt8(ascii: "{") {
            return (file, .json)
        }
        if bytes.isEmpty { throw .file(path, "the file is empty: expected a .npy, .npz or JSON file") }
        let start = bytes.prefix(8).map { b in (0x20..<0x7F).contains(b) ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16) }.joined()
        throw .file(path, "not a .npy, .npz or JSON file (it starts with \"\(start)\")")
    }

    func load(scores path: String, labels labelsPath: String?, probabilitiesFlag: Bool) throws(EvalFailure) -> EvalInput {
        let (file, kind) = try open(path)
        switch kind {
        case .json:
            if labelsPath != nil { throw .usage("\(path) is a JSON request, which holds its labels: LABELS cannot be given with it") }
            if probabilitiesFlag { throw .usage("\(path) is a JSON request: it says itself whether it holds logits or probabilities; drop --probabilities") }
            return .request(body: Array(file.bytes), file: path)
        case .npy:
            guard let labelsPath else {
                throw .usage("\(path) is a .npy file of scores: give the labels too (LABELS, a .npy of B integers)")
            }
            let scores = try naming(path) { () throws(NumPyError) in try NPYArray(bytes: file.bytes, owner: file, consumed: file.release) }
            let (labels, from) = try labelsArray(labelsPath)
            return try rows(scores, path, isProbabilities: probabilitiesFlag, labels, from)
        case .npz:
            let archive = try self.archive(file, path)
            let logits = archive.member("logits"), probabilities = archive.member("probabilities")
            let scoresMember: NPZArchive.Member
            switch (logits, probabilities) {
            case (let l?, nil):
                if probabilitiesFlag { throw .file(path, "--probabilities was given, but the archive's member is 'logits'") }
                scoresMember = l
            case (nil, let p?): scoresMember = p
            case (.some, .some): throw .file(path, "the archive has both 'logits' and 'probabilities' members; keep one")
            case (nil, nil): throw .file(path, "the archive has no 'logits' or 'probabilities' member (members: \(Self.names(archive)))")
            }
            let labels: (NPYArray, String)
            switch (labelsPath, archive.member("labels")) {
            case (let other?, nil): labels = try labelsArray(other)
            case (nil, let member?):
                labels = (try naming(path) { () throws(NumPyError) in try archive.array(member) { header throws(NumPyError) in _ = try header.checkLabels(limits) } }, path)
            case (.some, .some): throw .file(path, "the archive has a 'labels' member and LABELS was given too; pass one")
            case (nil, nil): throw .file(path, "the archive has no 'labels' member (members: \(Self.names(archive))); add one (np.savez(..., labels=y)) or give LABELS")
            }
            let count = labels.0.header.count
            let scores = try naming(path) { () throws(NumPyError) in
                try archive.array(scoresMember) { header throws(NumPyError) in
                    let (rows, _) = try header.checkMatrix(limits)
                    // Before a deflated member's buffer is allocated.
                    if labels.1 == path, rows != count { throw Self.mismatch(count, rows, scoresMember.name, nil) }
                }
            }
            return try rows(scores, path, isProbabilities: scoresMember.name == "probabilities", labels.0, labels.1)
        }
    }

    /// The labels from a `.npy` file, or a `.npz` archive's `labels` member (or its only member).
    func labelsArray(_ path: String) throws(EvalFailure) -> (NPYArray, String) {
        let (file, kind) = try open(path)
        switch kind {
        case .npy:
            return (try naming(path) { () throws(NumPyError) in try NPYArray(bytes: file.bytes, owner: file) }, path)
        case .npz:
            let archive = try self.archive(file, path)
            guard let member = archive.member("labels") ?? (archive.members.count == 1 ? archive.members[0] : nil) else {
                throw .file(path, "the archive has no 'labels' member (members: \(Self.names(archive)))")
            }
            return (try naming(path) { () throws(NumPyError) in try archive.array(member) { header throws(NumPyError) in _ = try header.checkLabels(limits) } }, path)
        case .json:
            throw .file(path, "labels must be a .npy (or .npz) file of B integers, not JSON")
        }
    }

    /// Checks the headers against each other and the limits, then converts: labels, then the matrix.
    func rows(_ scores: NPYArray, _ path: String, isProbabilities: Bool, _ labels: NPYArray, _ labelsPath: String) throws(EvalFailure) -> EvalInput {
        let (rows, _) = try naming(path) { () throws(NumPyError) in try scores.header.checkMatrix(limits) }
        let count = try naming(labelsPath) { () throws(NumPyError) in try labels.header.checkLabels(limits) }
        guard count == rows else {
            throw .file(labelsPath, Self.mismatch(count, rows, isProbabilities ? "probabilities" : "logits", labelsPath == path ? nil : path).message)
        }
        let labelValues = try naming(labelsPath) { () throws(NumPyError) in try labels.labels(limits: limits) }
        let matrix = try naming(path) { () throws(NumPyError) in try scores.matrix(limits: limits, progress: progress) }
        return .rows(matrix: matrix, isProbabilities: isProbabilities, labels: labelValues, file: path)
    }

    /// "labels have 10 rows but logits.npy has 12" (or "... but logits 12" inside one archive).
    static func mismatch(_ labels: Int, _ rows: Int, _ what: String, _ otherFile: String?) -> NumPyError {
        NumPyError(otherFile.map { "labels have \(labels) rows but \($0) has \(rows)" } ?? "labels have \(labels) rows but \(what) \(rows)")
    }

    static func names(_ archive: NPZArchive) -> String {
        archive.members.isEmpty ? "none" : archive.members.map(\.name).joined(separator: ", ")
    }

    func archive(_ file: MappedFile, _ path: String) throws(EvalFailure) -> NPZArchive {
        try naming(path) { () throws(NumPyError) in try NPZArchive(bytes: file.bytes, owner: file) }
    }

    /// Runs `body`, naming `path` in its error.
    func naming<T>(_ path: String, _ body: () throws(NumPyError) -> T) throws(EvalFailure) -> T {
        do { return try body() } catch { throw .file(path, error.message) }
    }
}
