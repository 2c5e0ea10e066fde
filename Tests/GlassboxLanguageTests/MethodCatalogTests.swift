import Foundation
import XCTest
@testable import GlassboxLanguage
import GlassboxMethods

/// The method catalog drives the docs: every declared method has a builtin with help, a docs page
/// that shows its builtin, a figure, and a test of its own; the methods index of
/// docs/methods/README.md is the catalog's (GLASSBOX_UPDATE_DOCS=1 rewrites it).
final class MethodCatalogTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testEveryMethodHasHelpADocsPageAFigureAndATest() throws {
        let registry = BuiltinRegistry.glassbox
        let methodTests = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Tests/GlassboxMethodsTests").path)
            .filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOf: root.appendingPathComponent("Tests/GlassboxMethodsTests/\($0)"), encoding: .utf8) }
            .joined(separator: "\n")
        var ids = Set<String>()
        for declaration in MethodCatalog.declarations {
            XCTAssertTrue(ids.insert(declaration.id).inserted, "two methods are called \(declaration.id)")
            let builtin = try XCTUnwrap(registry[declaration.id], "no builtin for \(declaration.id)")
            XCTAssertFalse(builtin.summary.isEmpty)
            XCTAssertTrue(builtin.helpText.contains(declaration.summary), declaration.id)
            XCTAssertFalse(declaration.citation.isEmpty, declaration.id)
            XCTAssertNoThrow(try Parser.parse(declaration.example), "example of \(declaration.id)")
            XCTAssertNoThrow(try Parser.parse(declaration.figure), "figure of \(declaration.id)")
            for option in declaration.options {
                XCTAssertFalse(option.doc.isEmpty, "\(declaration.id).\(option.name)")
                XCTAssertTrue(builtin.labels.contains(option.name), "\(declaration.id) lacks the label \(option.name):")
            }
            let page = root.appendingPathComponent("docs/methods/\(declaration.page)")
            let text = try String(contentsOf: page, encoding: .utf8)
            XCTAssertTrue(text.contains(declaration.id + "("), "\(declaration.page) shows no call of \(declaration.id)")
            XCTAssertTrue(text.contains("figures/\(declaration.figureFile)"), "\(declaration.page) does not show its figure")
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("docs/methods/figures/\(declaration.figureFile)").path),
                          "no figure docs/methods/figures/\(declaration.figureFile) (make docs-figures)")
        }
        for method in MethodCatalog.all {
            let type = String(describing: method)
            XCTAssertTrue(methodTests.contains("\(type)(") || methodTests.contains("\(type).make"),
                          "no test in Tests/GlassboxMethodsTests builds \(type)")
        }
    }

    /// `batchSize:` defaults to the method layer's default, declared once (`ExplainedModel.defaultBatchSize`).
    func testTheBatchSizeDefaultIsTheMethodLayers() throws {
        let registry = BuiltinRegistry.glassbox
        for method in MethodCatalog.all {
            let id = method.declaration.id
            let parameter = try XCTUnwrap(registry[id]?.parameters.first { $0.name == "batchSize" }, "\(id) has no batchSize:")
            XCTAssertEqual(parameter.defaultValue, .int(ExplainedModel.defaultBatchSize), id)
            XCTAssertTrue(registry[id]!.helpText.contains("batchSize: Int = \(ExplainedModel.defaultBatchSize)"), id)
        }
    }

    func testTheMethodsIndexIsTheCatalogs() throws {
        let url = root.appendingPathComponent("docs/methods/README.md")
        let document = try String(contentsOf: url, encoding: .utf8)
        let expected = try XCTUnwrap(MethodDocumentation.updatingIndex(document), "markers missing in docs/methods/README.md")
        if ProcessInfo.processInfo.environment["GLASSBOX_UPDATE_DOCS"] == "1" {
            try expected.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        XCTAssertEqual(document, expected, "docs/methods/README.md is out of date: run the tests with GLASSBOX_UPDATE_DOCS=1")
    }

    /// README.md lists every method of the catalog (generated between markers), so it says what exists.
    func testTheReadmeListsTheCatalogsMethods() throws {
        let url = root.appendingPathComponent("README.md")
        let document = try String(contentsOf: url, encoding: .utf8)
        let expected = try XCTUnwrap(MethodDocumentation.updatingReadme(document), "markers missing in README.md")
        if ProcessInfo.processInfo.environment["GLASSBOX_UPDATE_DOCS"] == "1" {
            try expected.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        XCTAssertEqual(document, expected, "README.md's method list is out of date: run the tests with GLASSBOX_UPDATE_DOCS=1")
        for declaration in MethodCatalog.declarations {
            XCTAssertTrue(document.contains("(`\(declaration.id)`)"), "README.md does not list \(declaration.id)")
        }
    }

    func testTheFigureScriptParsesAndDrawsOneFigurePerMethod() throws {
        let script = MethodDocumentation.figureScript()
        let statements = try Parser.parse(script)
        let shows = statements.filter { if case .expression(.call(.identifier("show", _), _, _), _) = $0 { return true } else { return false } }
        XCTAssertEqual(shows.count, MethodCatalog.declarations.count)
        XCTAssertEqual(Set(MethodDocumentation.figureFiles()).count, MethodCatalog.declarations.count)
        // --only: just those figures, in catalog order, and the patterns learned only when needed.
        let some = MethodDocumentation.figureScript(only: ["occlusion", "gradCAM"])
        XCTAssertEqual(some.components(separatedBy: "show(").count - 1, 2)
        XCTAssertFalse(some.contains("learnPatterns"))
        XCTAssertTrue(MethodDocumentation.figureScript(only: ["patternNet"]).contains("learnPatterns"))
        XCTAssertEqual(MethodDocumentation.figureFiles(only: ["occlusion", "gradCAM"]), ["grad-cam.png", "occlusion.png"])
    }
}
