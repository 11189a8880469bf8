import Foundation

/// One reference case from `Tests/Fixtures/*.json`: an API request, the values the anchor
/// library (PyTorch, optax, torchmetrics, relplot, ...) gives for it, and a tolerance.
public struct FixtureCase: @unchecked Sendable, CustomStringConvertible {
    public let name: String
    public let endpoint: String
    public let request: [String: Any]
    public let requestBytes: [UInt8]
    public let expected: [String: Any]
    public let rtol: Double
    public let atol: Double
    public let source: String

    public var description: String { name }
}

/// A fixture file that cannot be read or does not have the documented shape
/// (`Tests/Fixtures/README.md`). Thrown, so that a test (or a parameterised test's argument
/// list) records it as a failure naming the file, instead of crashing the whole run.
public struct FixtureError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

public enum Fixtures {
    /// The package root: three folders above this file (`Tests/SoftLabelTestSupport/Fixtures.swift`).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `<package root>/Tests/Fixtures`: the reference vectors, kept in the repository (copied byte
    /// for byte from the design's shared `fixtures/`; `scripts/check-fixture-copies` compares them
    /// for a maintainer who has that folder).
    public static var directory: URL { packageRoot.appendingPathComponent("Tests/Fixtures") }

    /// `<package root>/Tests/Conformance/JSONTestSuite/test_parsing`: Nicolas Seriot's
    /// JSONTestSuite parsing cases, kept in the repository like the fixtures.
    public static var conformanceDirectory: URL {
        packageRoot.appendingPathComponent("Tests/Conformance/JSONTestSuite/test_parsing")
    }

    /// Parsed files by name: `calibration.json` is 5 MB and several suites read it.
    private static let cache = CaseCache()

    /// The cases of `Tests/Fixtures/<file>.json` (e.g. "loss"), in file order. Throws a
    /// `FixtureError` naming the file and what is wrong with it.
    public static func cases(_ file: String) throws -> [FixtureCase] {
        if let cached = cache[file] { return cached }
        let url = directory.appendingPathComponent("\(file).json")
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FixtureError(description: "cannot read the fixture file \(url.path) (\(error.localizedDescription)); the reference vectors live in Tests/Fixtures of the repository")
        }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rawCases = root["cases"] as? [[String: Any]] else {
            throw FixtureError(description: "\(url.path) is not a JSON object with a \"cases\" array")
        }
        var cases: [FixtureCase] = []
        cases.reserveCapacity(rawCases.count)
        for (i, c) in rawCases.enumerated() {
            guard let name = c["name"] as? String, let endpoint = c["endpoint"] as? String,
                  let request = c["request"] as? [String: Any], let expected = c["expected"] as? [String: Any] else {
                throw FixtureError(description: "\(url.path): cases[\(i)] lacks a string name/endpoint or an object request/expected")
            }
            let tolerance = c["tolerance"] as? [String: Any] ?? [:]
            let bytes = try JSONSerialization.data(withJSONObject: request)
            cases.append(FixtureCase(
                name: name, endpoint: endpoint, request: request,
                requestBytes: [UInt8](bytes), expected: expected,
                rtol: (tolerance["rtol"] as? NSNumber)?.doubleValue ?? 1e-6,
                atol: (tolerance["atol"] as? NSNumber)?.doubleValue ?? 1e-6,
                source: c["source"] as? String ?? ""))
        }
        cache[file] = cases
        return cases
    }

    /// A lock-guarded dictionary (test targets support macOS 14, before `Mutex`).
    private final class CaseCache: @unchecked Sendable {
        private let lock = NSLock()
        private var files: [String: [FixtureCase]] = [:]

        subscript(file: String) -> [FixtureCase]? {
            get { lock.withLock { files[file] } }
            set { lock.withLock { files[file] = newValue } }
        }
    }
}

/// Element-wise comparison of a computed JSON-like value with an expected one:
/// |v − e| ≤ atol + rtol·|e| for numbers, recursively for arrays and objects, `null` ≡ nil/NSNull.
public enum Tolerance {
    /// Returns nil when `actual` matches `expected`, otherwise a description of the first mismatch.
    public static func mismatch(_ actual: Any?, _ expected: Any?, rtol: Double, atol: Double, path: String = "") -> String? {
        let actualIsNull = actual == nil || actual is NSNull
        if expected == nil || expected is NSNull {
            return actualIsNull ? nil : "\(path): expected null, got \(actual!)"
        }
        if actualIsNull { return "\(path): expected \(expected!), got null" }
        if let e = expected as? [Any] {
            guard let a = actual as? [Any] else { return "\(path): expected an array, got \(actual!)" }
            guard a.count == e.count else { return "\(path): expected \(e.count) elements, got \(a.count)" }
            for i in 0..<e.count {
                if let m = mismatch(a[i], e[i], rtol: rtol, atol: atol, path: "\(path)[\(i)]") { return m }
            }
            return nil
        }
        if let e = expected as? [String: Any] {
            guard let a = actual as? [String: Any] else { return "\(path): expected an object, got \(actual!)" }
            for (key, value) in e {
                if let m = mismatch(a[key], value, rtol: rtol, atol: atol, path: path.isEmpty ? key : "\(path).\(key)") { return m }
            }
            return nil
        }
        if let e = expected as? String {
            return (actual as? String) == e ? nil : "\(path): expected \"\(e)\", got \(actual!)"
        }
        if let e = (expected as? NSNumber)?.doubleValue {
            guard let a = number(actual) else { return "\(path): expected \(e), got \(actual!)" }
            return abs(a - e) <= atol + rtol * abs(e) ? nil : "\(path): expected \(e), got \(a) (rtol \(rtol), atol \(atol))"
        }
        return "\(path): cannot compare \(expected!)"
    }

    static func number(_ v: Any?) -> Double? {
        switch v {
        case let d as Double: d
        case let f as Float: Double(f)
        case let i as Int: Double(i)
        case let n as NSNumber: n.doubleValue
        default: nil
        }
    }
}

/// Small conversions from JSONSerialization values.
public enum JSONAny {
    public static func floats(_ v: Any?) -> [Float] { (v as! [Any]).map { Float(($0 as! NSNumber).doubleValue) } }
    public static func ints(_ v: Any?) -> [Int] { (v as! [Any]).map { ($0 as! NSNumber).intValue } }
    public static func rows(_ v: Any?) -> [[Float]] { (v as! [Any]).map { floats($0) } }
    public static func double(_ v: Any?) -> Double? { (v as? NSNumber)?.doubleValue }
    public static func strings(_ v: Any?) -> [String] { (v as? [Any])?.compactMap { $0 as? String } ?? [] }
}
