import Foundation
import GlassboxMethods
import XCTest
@testable import GlassboxLanguage

/// `docs/bindings.md` documents every binding builtin (generated section; GLASSBOX_UPDATE_DOCS=1
/// rewrites it), and every example parses.
final class BindingsDocumentationTests: XCTestCase {
    private var documentURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/bindings.md")
    }

    func testEveryBindingIsDocumented() throws {
        let document = try String(contentsOf: documentURL, encoding: .utf8)
        let registry = BuiltinRegistry(GlassboxBindings.all)
        let expected = try XCTUnwrap(BindingsReference.updating(document), "markers missing in docs/bindings.md")
        if ProcessInfo.processInfo.environment["GLASSBOX_UPDATE_DOCS"] == "1" {
            try expected.write(to: documentURL, atomically: true, encoding: .utf8)
            return
        }
        for type in ["Dataset", "ImageBatch", "Model", "History", "Predictions", "Explanation", "Table"] {
            XCTAssertTrue(document.contains("| \(type) | `."), "members of \(type) are not documented")
        }
        XCTAssertEqual(document, expected, "docs/bindings.md is out of date: run the tests with GLASSBOX_UPDATE_DOCS=1")
        for builtin in registry.all {
            XCTAssertTrue(document.contains("### `\(builtin.name)`"), builtin.name)
            XCTAssertFalse(builtin.summary.isEmpty, builtin.name)
            for parameter in builtin.parameters { XCTAssertFalse(parameter.doc.isEmpty, "\(builtin.name).\(parameter.name)") }
        }
    }

    func testEveryExampleParsesAndTheRegistryHasTheBindings() throws {
        let registry = BuiltinRegistry.glassbox
        for builtin in registry.all {
            XCTAssertNoThrow(try Parser.parse(builtin.example), "example of \(builtin.name) does not parse")
        }
        let batch = try ImageBatch(tensor: .init(zeros: [1, 1, 2, 2]), labels: [0], origin: "t")
        for method in batch.methods { XCTAssertNoThrow(try Parser.parse(method.example), method.name) }
        // Every method of the catalog (attribution methods and the others) has its builtin.
        let methodNames = MethodCatalog.declarations.map(\.id)
        XCTAssertEqual(Set(methodNames).count, methodNames.count, "two catalog methods share a builtin name")
        for name in methodNames { XCTAssertNotNil(registry[name], "no builtin for the catalog method \(name)") }
        for name in ["dataset", "train", "evaluate", "predict", "save", "load", "model", "zoo", "show", "plot", "table"] {
            XCTAssertNotNil(registry[name], name)
        }
        XCTAssertEqual(registry["show"]?.labels.contains("over"), true, "the bindings' show replaces the core's")
        XCTAssertNotNil(registry["print"])
    }
}
