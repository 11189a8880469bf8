import Foundation
import Testing
@testable import SoftLabelKernels

@Suite("Calibration reliability diagram")
struct CalibrationDiagramTests {
    static func metrics(_ name: String) throws -> CalibrationMetrics {
        let c = try #require(try CalibrationFixtures.cases.first { $0.name == name }, "no case \(name) in calibration.json")
        return Calibration.compute(CalibrationFixtures.input(c), labels: CalibrationFixtures.labels(c), configuration: CalibrationFixtures.configuration(c))
    }

    static func occurrences(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test("one accuracy bar per non-empty bin, the diagonal, the histogram, ECE and accuracy in the title")
    func structure() throws {
        let m = try Self.metrics("cal_logits_n1000_k10")
        let svg = ReliabilityDiagram.svg(m)
        #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
        let nonEmpty = m.reliability.filter { $0.count > 0 }.count
        #expect(Self.occurrences(#"<title>["#, in: svg) == nonEmpty)  // one accuracy bar each
        #expect(Self.occurrences(##"fill="#9db4cc""##, in: svg) == nonEmpty)  // one histogram bar each
        #expect(svg.contains("ECE = 0.1716") && svg.contains("accuracy = 0.7320") && svg.contains("N = 1,000"))
        #expect(svg.contains(#"stroke-dasharray="6 4""#) && svg.contains("Confidence") && svg.contains("% of rows"))
        #expect(ReliabilityDiagram.svgBytes(m) == Array(svg.utf8))
    }

    @Test("titles are escaped; torchmetrics' [1, 1] bin and empty data still draw")
    func edgeCases() throws {
        var m = try Self.metrics("cal_edges_torchmetrics")
        #expect(m.reliability.count == 5 && m.reliability[4].lower == 1 && m.reliability[4].count == 1)
        let svg = ReliabilityDiagram.svg(m, options: .init(title: "a <b> & \"c\""))
        #expect(svg.contains("a &lt;b&gt; &amp; &quot;c&quot;") && !svg.contains("<b>"))
        m = Calibration.compute(logits: Matrix(rows: 0, columns: 3), labels: [])
        #expect(ReliabilityDiagram.svg(m, options: .init(histogramHeight: 0)).contains("N = 0"))
    }

    @Test("renders with rsvg-convert when it is installed (apt-get install librsvg2-bin)")
    func rendersWithRSVG() throws {
        let tool = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tool else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("softlabel-diagram-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["cal_logits_n500_k100", "cal_preset_torchmetrics_n300_k2"] {
            let svgURL = directory.appendingPathComponent("\(name).svg")
            let pngURL = directory.appendingPathComponent("\(name).png")
            try ReliabilityDiagram.svg(try Self.metrics(name)).write(to: svgURL, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = [svgURL.path, "-o", pngURL.path]
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            process.waitUntilExit()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(name): \(message)")
            let png = try Data(contentsOf: pngURL)
            #expect(png.count > 10_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        }
    }
}
