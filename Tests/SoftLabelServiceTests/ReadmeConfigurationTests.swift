import Foundation
import Testing
import SoftLabelService
import SoftLabelTestSupport

/// The README's configuration table is the code's: every row's flag, environment variable and
/// default equal `ServerSettings.all` (in order), so a changed default or a new setting fails
/// here until the README says so too.
@Suite struct ReadmeConfigurationTests {
    struct Row: Equatable, CustomStringConvertible {
        var flag, environment, defaultValue: String
        var description: String { "\(flag) \(environment) \(defaultValue)" }
    }

    static func readmeRows() throws -> [Row] {
        let text = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let marker = try #require(text.range(of: "<!-- configuration-table:"), "README.md has no configuration table marker")
        var rows: [Row] = []
        for line in text[marker.upperBound...].split(separator: "\n").dropFirst() {
            guard line.hasPrefix("|") else { if rows.isEmpty { continue } else { break } }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, cells[0].hasPrefix("`--") else { continue }
            rows.append(Row(flag: cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")),
                            environment: cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")),
                            defaultValue: cells[2]))
        }
        return rows
    }

    @Test func tableEqualsTheSettings() throws {
        let expected = ServerSettings.all.map { Row(flag: $0.flag, environment: $0.environment, defaultValue: $0.documentedDefault) }
        let rows = try Self.readmeRows()
        #expect(rows == expected)
    }

    /// Every setting is a flag of `serve`, and every limit one of `call` and `eval` too (an error
    /// message that says "raise it with --max-response-bytes" must name a flag that exists).
    @Test func everySettingIsAFlag() throws {
        for (command, group) in [("serve", nil), ("call", "Limits"), ("eval", "Limits")] as [(String, String?)] {
            let (status, out, _) = try ProductLocator.run([command, "--help"], input: [])
            #expect(status == 0)
            let help = String(decoding: out, as: UTF8.self)
            for setting in ServerSettings.all where group == nil || (setting.group == group && setting.field != "maxConnections"
                                                                      && setting.field != "maxHeaderBytes" && setting.field != "maxRequestLineBytes") {
                #expect(help.contains(setting.flag + " "), "softlabel \(command) has no \(setting.flag)")
            }
        }
    }

    @Test func invalidValuesAreRefusedWithTheirRange() throws {
        for (flags, environment, needle) in [
            (["headerTimeout": "inf"], [:], "--header-timeout \"inf\""),
            (["idleTimeout": "1e300"], [:], "--idle-timeout"),
            ([:], ["SOFTLABEL_HEADER_TIMEOUT": "inf"], "SOFTLABEL_HEADER_TIMEOUT"),
            ([:], ["SOFTLABEL_PORT": "80a"], "SOFTLABEL_PORT \"80a\": expected an integer in 0...65535"),
            ([:], ["SOFTLABEL_MAX_BODY_BYTES": "lots"], "SOFTLABEL_MAX_BODY_BYTES"),
            (["port": "70000"], [:], "--port \"70000\""),
            (["maxConnections": "0"], [:], "--max-connections"),
            (["logLevel": "loud"], [:], "--log-level"),
        ] as [([String: String], [String: String], String)] {
            do {
                _ = try ServerSettings.resolve(flags: flags, environment: environment)
                Issue.record("accepted \(flags) \(environment)")
            } catch {
                #expect(error.description.contains(needle), "\(error.description)")
            }
        }
        let ok = try ServerSettings.resolve(flags: ["logLevel": "WARNING", "headerTimeout": "500ms"], environment: ["SOFTLABEL_PORT": "0"])
        #expect(ok.logLevel == "warning")
        #expect(ok.http.headerTimeout == .milliseconds(500))
        #expect(ok.http.port == 0)
        #expect(ok.values.first { $0.setting.field == "port" }?.source == .environment)
        // A malformed variable is refused even when a flag overrides it.
        #expect(throws: ServerSettings.Invalid.self) {
            try ServerSettings.resolve(flags: ["port": "9000"], environment: ["SOFTLABEL_PORT": "80a"])
        }
    }
}
