import Foundation
import XCTest

@testable import GlassboxLanguage

/// help() as Markdown, the documentation pages, and exit()/quit().
final class HelpAndExitTests: XCTestCase {
    /// The checkout's docs/ folder.
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs")

    func harness(withDocs: Bool = true) throws -> Harness {
        let h = Harness()
        if withDocs { h.host.documentation = try XCTUnwrap(DocumentationLibrary(directory: Self.docs)) }
        return h
    }

    func testHelpOfABuiltinIsMarkdownAndText() throws {
        let h = try harness()
        XCTAssertEqual(h.result("help(print)"), "<none>")
        let output = try XCTUnwrap(h.host.displays.last?.0)
        XCTAssertTrue(output.text.hasPrefix("print(_ items: Any..."), output.text)
        let markdown = try XCTUnwrap(output.markdown)
        XCTAssertTrue(markdown.hasPrefix("```swift\nprint(_ items: Any..."), markdown)
        XCTAssertTrue(markdown.contains("**Arguments**") && markdown.contains("**Example**"))
        XCTAssertEqual(output.mimeData["text/markdown"], markdown)
        XCTAssertEqual(h.host.stdout, "", "help is a display, not printed text")
    }

    func testHelpOverviewListsBuiltinsAndPages() throws {
        let h = try harness()
        h.run("help()")
        let output = try XCTUnwrap(h.host.displays.last?.0)
        let markdown = try XCTUnwrap(output.markdown)
        XCTAssertTrue(markdown.contains("| `sleep` |"), markdown)
        XCTAssertTrue(markdown.contains("`help(\"language\")`") && markdown.contains("`help(\"methods\")`"), markdown)
        XCTAssertTrue(output.text.contains("Documentation pages") && output.text.contains("language"))
        // without pages, nothing about them
        let bare = try harness(withDocs: false)
        bare.run("help()")
        XCTAssertFalse(bare.host.displays.last?.0.text.contains("Documentation pages") ?? true)
        // a value is described in Markdown too
        h.run("help([1, 2])")
        XCTAssertTrue(h.host.displays.last?.0.markdown?.contains("**List**") ?? false)
    }

    func testDocumentationPagesRenderInsideTheNotebook() throws {
        let h = try harness()
        let library = try XCTUnwrap(h.host.documentation)
        for topic in ["language", "methods", "commands", "models", "figures", "getting-started", "overview", "smoothgrad", "methods/smoothgrad"] {
            XCTAssertNotNil(library.file(for: topic), topic)
        }
        XCTAssertEqual(library.file(for: "Language.md"), library.file(for: "language"))
        XCTAssertEqual(library.topics.filter { $0 == "smoothgrad" || $0 == "methods/smoothgrad" }, ["smoothgrad"])

        h.run("help(\"language\")")
        let language = try XCTUnwrap(h.host.displays.last?.0.markdown)
        XCTAssertTrue(language.hasPrefix("# The Glassbox language"), String(language.prefix(80)))
        // links to other pages point at help(...), not at files a notebook cannot open
        XCTAssertTrue(language.contains("bindings.md (`help(\"bindings\")`)"), "links rewritten")
        XCTAssertFalse(language.contains("](bindings.md)"))

        h.run("help(\"smoothgrad\")")
        let method = try XCTUnwrap(h.host.displays.last?.0.markdown)
        XCTAssertTrue(method.contains("](data:image/png;base64,iVBOR"), "the figure is embedded")
        XCTAssertFalse(method.contains("](figures/"))
    }

    func testUnknownTopicListsThePages() throws {
        let h = try harness()
        let error = try XCTUnwrap(h.error("help(\"langauge\")"))
        XCTAssertEqual(error.kind, .name)
        XCTAssertTrue(error.message.contains("\"language\"") && error.message.contains("\"methods\""), error.message)
        XCTAssertEqual(error.suggestions.first, "language")
        let bare = try harness(withDocs: false)
        XCTAssertTrue(bare.error("help(\"language\")")?.message.contains("no documentation pages were found") ?? false)
    }

    func testExitAndQuitAskTheFrontendToClose() throws {
        let h = try harness()
        XCTAssertEqual(h.result("exit()"), "<none>")
        XCTAssertEqual(h.result("quit(keepKernel: true)"), "<none>")
        XCTAssertEqual(h.result("print(1)\nexit()\nprint(2)"), "<none>")
        XCTAssertEqual(h.host.exitRequests, [false, true, false])
        XCTAssertEqual(h.host.stdout, "1\n2\n", "the rest of the cell still runs")
        h.run("help(exit)")
        XCTAssertTrue(h.host.displays.last?.0.text.hasPrefix("exit(keepKernel: Bool = false)") ?? false)
    }
}

/// Unicode identifiers and very long ones.
final class IdentifierTests: XCTestCase {
    func testDecomposedAndPrecomposedIdentifiersAreTheSameName() {
        let h = Harness()
        XCTAssertEqual(h.result("let caf\u{E9} = 20\ncafe\u{301} + 1"), "21")
        XCTAssertEqual(h.result("var nai\u{308}ve = 1\nna\u{EF}ve += 1\nnai\u{308}ve"), "2")
        guard case .identifier(let name) = (try? Lexer.tokenize("cafe\u{301}"))?.first?.kind else { return XCTFail() }
        XCTAssertEqual(Array(name.unicodeScalars), Array("caf\u{E9}".unicodeScalars))
        // a combining mark cannot start a name
        XCTAssertEqual(h.error("\u{301}x")?.kind, .syntax)
    }

    func testOverlongIdentifiersAreAClearSyntaxErrorInLinearTime() {
        let h = Harness()
        let start = Date()
        let error = h.error(String(repeating: "a", count: 2_000_000))
        XCTAssertEqual(error?.kind, .syntax)
        XCTAssertTrue(error?.message.contains("2000000 characters long") ?? false, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("at most \(Lexer.maximumIdentifierLength)") ?? false)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        // the longest allowed name still works, and an unknown one is reported quickly
        let longest = String(repeating: "b", count: Lexer.maximumIdentifierLength)
        XCTAssertEqual(h.result("let \(longest) = 3\n\(longest) * 2"), "6")
        let unknown = Date()
        XCTAssertEqual(h.error(String(repeating: "c", count: Lexer.maximumIdentifierLength))?.kind, .name)
        XCTAssertLessThan(Date().timeIntervalSince(unknown), 1)
    }

    func testSuggestionsAreLinearInTheNameLength() {
        let long = String(repeating: "x", count: 250_000)
        let start = Date()
        XCTAssertEqual(Suggestions.closest(to: long, among: BuiltinRegistry.standard.names + [long + "y"]), [long + "y"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        XCTAssertEqual(Suggestions.boundedDistance(Array("kitten"), Array("sitting"), limit: 2), nil)
        XCTAssertEqual(Suggestions.boundedDistance(Array("kitten"), Array("sitting"), limit: 3), 3)
        XCTAssertEqual(Suggestions.boundedDistance(Array("abcd"), Array("acbd"), limit: 1), 1)
        // the banded distance agrees with the full one wherever it answers
        let words = ["print", "prnit", "pint", "sprint", "prints", "paint", "", "p", "rpint", "tnirp"]
        for a in words {
            for b in words {
                let full = Suggestions.editDistance(Array(a), Array(b))
                for limit in 0...4 {
                    XCTAssertEqual(Suggestions.boundedDistance(Array(a), Array(b), limit: limit), full <= limit ? full : nil, "\(a) \(b) \(limit)")
                }
            }
        }
    }
}
