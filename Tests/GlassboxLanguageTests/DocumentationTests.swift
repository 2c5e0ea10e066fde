import Foundation
import XCTest
@testable import GlassboxLanguage

/// `docs/language.md` documents every registered builtin (its generated section must match the
/// registry; run with GLASSBOX_UPDATE_DOCS=1 to rewrite it).
final class DocumentationTests: XCTestCase {
    private var documentURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/language.md")
    }

    func testEveryBuiltinIsDocumented() throws {
        let document = try String(contentsOf: documentURL, encoding: .utf8)
        let registry = BuiltinRegistry.standard
        let expected = try XCTUnwrap(LanguageReference.updating(document, with: registry), "markers missing in docs/language.md")
        if ProcessInfo.processInfo.environment["GLASSBOX_UPDATE_DOCS"] == "1" {
            try expected.write(to: documentURL, atomically: true, encoding: .utf8)
            return
        }
        XCTAssertEqual(document, expected, "docs/language.md is out of date: run the tests with GLASSBOX_UPDATE_DOCS=1")
        for builtin in registry.all {
            XCTAssertTrue(document.contains("### `\(builtin.name)`"), "\(builtin.name) is not documented")
            XCTAssertTrue(document.contains(builtin.signature), "signature of \(builtin.name) is missing")
            XCTAssertFalse(builtin.summary.isEmpty)
            XCTAssertFalse(builtin.example.isEmpty)
            for parameter in builtin.parameters { XCTAssertFalse(parameter.doc.isEmpty, "\(builtin.name).\(parameter.name)") }
        }
    }

    func testEveryBuiltinExampleParses() {
        for builtin in BuiltinRegistry.standard.all {
            XCTAssertNoThrow(try Parser.parse(builtin.example), "example of \(builtin.name) does not parse")
        }
    }
}
