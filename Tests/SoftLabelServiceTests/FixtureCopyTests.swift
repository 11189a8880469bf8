import Foundation
import Testing
import SoftLabelTestSupport

/// The repository keeps its own byte-for-byte copies of the design's shared reference material, so
/// that a clone builds and tests on its own:
///
/// | shared folder                | copy in the repository             |
/// |------------------------------|------------------------------------|
/// | `fixtures/`                  | `Tests/Fixtures/`                  |
/// | `conformance/JSONTestSuite/` | `Tests/Conformance/JSONTestSuite/` |
/// | `peer/`                      | `Benchmarks/Peer/`                 |
///
/// When the shared folder is at hand (`SOFTLABEL_SHARED` names it; `.ci/run` sets it when `shared/` sits beside the
/// package root) this test fails for every file that is missing from a copy, differs from it in
/// any byte, or is still in the copy but no longer in the shared folder, listing them, so that new
/// or corrected reference vectors are not missed. Without a shared folder it is skipped, with the
/// reason.
@Suite("Repository copies of the shared reference files")
struct FixtureCopyTests {
    /// (folder under the shared folder, folder under the package root).
    static let copies: [(shared: String, repository: String)] = [
        ("fixtures", "Tests/Fixtures"),
        ("conformance/JSONTestSuite", "Tests/Conformance/JSONTestSuite"),
        ("peer", "Benchmarks/Peer"),
    ]

    /// The folder `SOFTLABEL_SHARED` names (even one that does not exist: the test then says so),
    /// else nil. The tests never look outside the repository on their own: `.ci/run` names the
    /// shared folder when the machine has one beside the clone.
    static var sharedFolder: URL? {
        guard let named = ProcessInfo.processInfo.environment["SOFTLABEL_SHARED"], !named.isEmpty else { return nil }
        return URL(fileURLWithPath: named)
    }

    static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The regular files under `folder`, as paths relative to it.
    static func files(under folder: URL) throws -> Set<String> {
        let paths: [String]
        do {
            paths = try FileManager.default.subpathsOfDirectory(atPath: folder.path)
        } catch {
            throw FixtureError(description: "cannot list \(folder.path): \(error.localizedDescription)")
        }
        return Set(paths.filter { path in
            let attributes = try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(path).path)
            return attributes?[.type] as? FileAttributeType == .typeRegular
        })
    }

    @Test("every file of the shared reference folders is in the repository, byte for byte",
          .enabled(if: sharedFolder != nil,
                   "not applicable: no shared folder (SOFTLABEL_SHARED is unset); the repository's copies are used as they are"))
    func copiesMatchSharedFolder() throws {
        let shared = try #require(Self.sharedFolder)
        try #require(Self.isFolder(shared), "the shared folder \(shared.path) (SOFTLABEL_SHARED) is not a folder")
        for (sharedName, repositoryName) in Self.copies {
            let source = shared.appendingPathComponent(sharedName)
            let copy = Fixtures.packageRoot.appendingPathComponent(repositoryName)
            let sourceFiles = try Self.files(under: source)
            let copyFiles = try Self.isFolder(copy) ? Self.files(under: copy) : []
            let missing = sourceFiles.subtracting(copyFiles).sorted()
            let stale = copyFiles.subtracting(sourceFiles).sorted()
            var differing: [String] = []
            for path in sourceFiles.intersection(copyFiles).sorted() {
                let original = try Data(contentsOf: source.appendingPathComponent(path))
                let copied = try Data(contentsOf: copy.appendingPathComponent(path))
                if original != copied { differing.append(path) }
            }
            let advice = "copy \(source.path)/ to \(repositoryName)/ byte for byte"
            #expect(missing.isEmpty, "\(missing.count) file(s) of \(source.path) missing from \(repositoryName): \(missing.joined(separator: ", ")); \(advice)")
            #expect(differing.isEmpty, "\(differing.count) file(s) of \(repositoryName) differ from \(source.path): \(differing.joined(separator: ", ")); \(advice)")
            #expect(stale.isEmpty, "\(stale.count) file(s) of \(repositoryName) are no longer in \(source.path): \(stale.joined(separator: ", ")); \(advice)")
        }
    }
}
