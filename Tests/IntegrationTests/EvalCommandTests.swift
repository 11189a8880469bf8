import Foundation
import SoftLabelTestSupport
import Testing

/// `softlabel eval`, run as the real binary on files written byte for byte by `NPYBytes`: the
/// output equals `softlabel call` on the JSON of the same float32 values; a bad file is one line
/// on stderr naming it and exit status 1; a bad command line or setting is 64.
@Suite("CLI: softlabel eval")
final class EvalCommandTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("softlabel-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func eval(_ arguments: [String], input: [UInt8] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        let (status, out, err) = try ProductLocator.run(["eval"] + arguments, input: input)
        return (status, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func call(_ endpoint: String, _ body: String) throws -> String {
        let (status, out, _) = try ProductLocator.run(["call", endpoint], input: Array(body.utf8))
        #expect(status == 0, "\(String(decoding: out, as: UTF8.self).prefix(300))")
        return String(decoding: out, as: UTF8.self)
    }

    /// 40×5 logits (float32, seeded) and labels; and the JSON members holding the same numbers.
    func data(seed: UInt64) -> (logits: [Double], labels: [Double], json: String) {
        var g = SeededGenerator(seed: SeededGenerator.seed(default: seed))
        let logits = (0..<200).map { _ in Double(Float.random(in: -6...6, using: &g)) }
        let labels = (0..<40).map { _ in Double(Int.random(in: 0..<5, using: &g)) }
        let rows = (0..<40).map { r in "[" + (0..<5).map { "\(Float(logits[r * 5 + $0]))" }.joined(separator: ",") + "]" }
        let json = #""logits": ["# + rows.joined(separator: ",") + #"], "labels": ["# + labels.map { "\(Int($0))" }.joined(separator: ",") + "]"
        return (logits, labels, json)
    }

    @Test func matchesCallForEveryLayout() throws {
        let (logits, labels, json) = data(seed: 31)
        let expected = try call("/v1/calibration", "{\(json), \"bins\": 8, \"top_k\": [1, 2]}")
        let labelsPath = try write("labels.npy", NPYBytes.array(labels, shape: [40], descr: ">i4"))
        for (descr, fortran, version) in [("<f4", false, UInt8(1)), (">f4", true, 2), ("<f8", true, 3), (">f8", false, 1)] {
            let path = try write("logits\(descr)\(fortran).npy", NPYBytes.array(logits, shape: [40, 5], descr: descr, fortran: fortran, version: version))
            let r = try eval([path, labelsPath, "--bins", "8", "--top-k", "1,2"])
            #expect(r.status == 0 && r.stderr.isEmpty, "\(descr): \(r.stderr)")
            #expect(r.stdout == expected, "\(descr) fortran=\(fortran) v\(version)")
        }
    }

    @Test func npzWithLoss() throws {
        let (logits, labels, json) = data(seed: 32)
        let calibration = try call("/v1/calibration", "{\(json)}")
        let loss = try call("/v1/loss", "{\(json), \"label_smoothing\": 0.1}")
        let expected = #"{"calibration":"# + calibration.dropLast() + #","loss":"# + loss.dropLast() + "}\n"
        let archive = NPYBytes.zip([
            .init(name: "logits.npy", uncompressed: NPYBytes.array(logits, shape: [40, 5], descr: "<f4"), zip64: true),
            .init(name: "labels.npy", uncompressed: NPYBytes.array(labels, shape: [40], descr: "<i8"), zip64: true),
        ])
        let r = try eval([try write("data.npz", archive), "--loss", "--label-smoothing", "0.1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == expected)
        // The same request as JSON, from standard input.
        let fromJSON = try eval(["-", "--loss", "--label-smoothing", "0.1"], input: Array("{\(json)}".utf8))
        #expect(fromJSON.stdout == expected, "\(fromJSON.stderr)")
    }

    /// Each bad file: exit 1, nothing on stdout, exactly one line on stderr naming the file.
    @Test func badFilesAreOneLine() throws {
        let labels = try write("y.npy", NPYBytes.array([0, 1, 2], shape: [3], descr: "<i8"))
        let good = NPYBytes.array(Array(repeating: 0.5, count: 6), shape: [3, 2], descr: "<f4")
        let cases: [(String, [UInt8], String)] = [
            ("truncated.npy", Array(good.dropLast(3)), "truncated data: expected 24 bytes for shape (3, 2) of float32, found 21"),
            ("huge.npy", NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: [3, 1 << 40]), data: []), "truncated data: expected 13194139533312 bytes"),
            ("overflow.npy", NPYBytes.file(header: NPYBytes.header(descr: "<f8", shape: [1 << 62, 1 << 3]), data: []), "more elements than can be counted"),
            ("header.npy", NPYBytes.file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), 'x': 1}", data: []), "malformed header"),
            ("complex.npy", NPYBytes.file(header: NPYBytes.header(descr: "<c8", shape: [3, 2]), data: []), "unsupported dtype '<c8'"),
            ("object.npy", NPYBytes.file(header: NPYBytes.header(descr: "|O", shape: [3, 2]), data: []), "object arrays are not supported"),
            ("vector.npy", NPYBytes.array([1, 2, 3], shape: [3], descr: "<f4"), "shape (3,) is not [B, K]"),
            ("text.npy", Array("hello".utf8), "not a .npy, .npz or JSON file"),
            ("empty.npy", [], "the file is empty"),
        ]
        for (name, bytes, message) in cases {
            let path = try write(name, bytes)
            let r = try eval([path, labels])
            #expect(r.status == 1, "\(name)")
            #expect(r.stdout.isEmpty, "\(name): \(r.stdout)")
            #expect(r.stderr.hasPrefix("softlabel eval: \(path): ") && r.stderr.contains(message), "\(name): \(r.stderr)")
            #expect(r.stderr.filter { $0 == "\n" }.count == 1 && r.stderr.hasSuffix("\n"), "\(name): \(r.stderr)")
        }
        let four = try write("four.npy", NPYBytes.array([0, 1, 2, 0], shape: [4], descr: "<i8"))
        let mismatch = try eval([try write("good.npy", good), four])
        #expect(mismatch.status == 1 && mismatch.stderr == "softlabel eval: \(four): labels have 4 rows but \(directory.path)/good.npy has 3\n")
        let noLabels = try eval([try write("nolabels.npz", NPYBytes.zip([.init(name: "logits.npy", uncompressed: good)]))])
        #expect(noLabels.status == 1 && noLabels.stderr.contains("the archive has no 'labels' member (members: logits)"), "\(noLabels.stderr)")
    }

    @Test func exitStatuses() throws {
        let logits = try write("l.npy", NPYBytes.array([2, 0, 0, 2], shape: [2, 2], descr: "<f4"))
        let labels = try write("y.npy", NPYBytes.array([0, 1], shape: [2], descr: "<i8"))
        #expect(try eval([logits, labels]).status == 0)
        // The service's own 4xx: its JSON on stdout, status 1.
        let invalid = try eval([logits, labels, "--bins", "0"])
        #expect(invalid.status == 1 && invalid.stdout.contains(#""code":"invalid_value","path":"bins""#), "\(invalid.stdout)")
        // Settings and command lines: 64.
        #expect(try eval([logits, labels, "--max-elements", "0"]).status == 64)
        #expect(try eval([logits, labels, "--bins", "ten"]).status == 64)
        #expect(try eval([logits]).status == 64)
        #expect(try eval([logits, labels, "--label-smoothing", "0.1"]).status == 64)
        let request = try write("r.json", Array(#"{"logits": [[2, 0], [0, 2]], "labels": [0, 1]}"#.utf8))
        #expect(try eval([request, "--bins", "4"]).status == 64)
        #expect(try eval([request, labels]).status == 64)
        // The limits apply to the declared shape.
        let limited = try eval([logits, labels, "--max-elements", "3"])
        #expect(limited.status == 1 && limited.stderr.contains("has 4 elements; the limit is 3 per matrix"), "\(limited.stderr)")
    }
}
