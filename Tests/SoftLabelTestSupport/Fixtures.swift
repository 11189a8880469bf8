import Foundation

/// One reference case from `../shared/fixtures/*.json`: an API request, the values the anchor
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

public enum Fixtures {
    /// `<package root>/../shared`, found from this file's path (CI clones the repository with
    /// `shared/` beside it); `SOFTLABEL_SHARED` overrides it.
    public static var sharedDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["SOFTLABEL_SHARED"] {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The cases of `fixtures/<file>.json` (e.g. "loss"), in file order.
    public static func cases(_ file: String) -> [FixtureCase] {
        let url = sharedDirectory.appendingPathComponent("fixtures/\(file).json")
        guard let data = try? Data(contentsOf: url),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = root["cases"] as? [[String: Any]] else {
            fatalError("cannot read fixtures at \(url.path): is ../shared beside the package?")
        }
        return cases.map { c in
            let request = c["request"] as! [String: Any]
            let tolerance = c["tolerance"] as? [String: Any] ?? [:]
            let bytes = try! JSONSerialization.data(withJSONObject: request)
            return FixtureCase(
                name: c["name"] as! String, endpoint: c["endpoint"] as! String, request: request,
                requestBytes: [UInt8](bytes), expected: c["expected"] as! [String: Any],
                rtol: (tolerance["rtol"] as? NSNumber)?.doubleValue ?? 1e-6,
                atol: (tolerance["atol"] as? NSNumber)?.doubleValue ?? 1e-6,
                source: c["source"] as? String ?? "")
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
