import XCTest
@testable import GlassboxLanguage

/// A stand-in for the rich values later bindings add: a batch of labelled items.
private struct LabelledBatch: ScriptObject {
    var labels: [Int]

    var typeName: String { "Batch" }
    var propertyNames: [String] { ["count", "labels"] }

    func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "count": return .int(labels.count)
        case "labels": return .list(labels.map { .int($0) })
        default: return nil
        }
    }

    var methods: [Builtin] {
        [Builtin(
            name: "perDigit",
            parameters: [BuiltinParameter("index", type: "Int", default: .int(0), doc: "which example of each digit")],
            returns: "Batch",
            summary: "One item per digit.",
            example: "xs.perDigit(index: 3)"
        ) { args, _ in
            let index = try args.int("index")
            guard index >= 0 else { throw args.error(.value, "index", "must be non-negative, got \(index)") }
            return .object(LabelledBatch(labels: Array(0..<10)))
        }]
    }

    func element(at index: ScriptValue) throws -> ScriptValue? {
        switch index {
        case .int(let i):
            guard i >= 0 && i < labels.count else { throw ScriptError(.index, "index \(i) is out of range for a Batch of \(labels.count)") }
            return .int(labels[i])
        case .range(let r):
            return .object(LabelledBatch(labels: Array(labels[r.lower..<min(r.upper, labels.count)])))
        default:
            return nil
        }
    }

    var elementCount: Int? { labels.count }
    var textDescription: String { "Batch of \(labels.count)" }
    func richOutput() throws -> RichOutput? { RichOutput(text: textDescription, html: "<b>\(labels.count)</b>") }
}

final class ScriptObjectTests: XCTestCase {
    private func harness() -> Harness {
        let h = Harness()
        h.session.define("xs", .object(LabelledBatch(labels: [7, 2, 1, 0])))
        return h
    }

    func testPropertiesMethodsIndexingAndIteration() {
        let h = harness()
        XCTAssertEqual(h.result("xs.count"), "4")
        XCTAssertEqual(h.result("xs[1]"), "2")
        XCTAssertEqual(h.result("xs[1..<3].labels"), "[2, 1]")
        XCTAssertEqual(h.result("xs.perDigit(index: 3).count"), "10")
        XCTAssertEqual(h.result("type(of: xs)"), "\"Batch\"")
        h.run("var total = 0\nfor label in xs { total += label }")
        XCTAssertEqual(h.result("total"), "10")
        guard case .success(let output) = h.run("xs") else { return XCTFail() }
        XCTAssertEqual(output?.html, "<b>4</b>")
    }

    func testErrorsNameTheMethodAndArgumentWithSuggestions() {
        let h = harness()
        let bad = h.error("xs.perDigit(index: -1)")
        XCTAssertEqual(bad?.message, "perDigit: argument 'index' must be non-negative, got -1")
        XCTAssertEqual(bad?.range?.start.column, 13)
        XCTAssertEqual(h.error("xs.perDigt()")?.suggestions, ["perDigit"])
        XCTAssertEqual(h.error("xs.perDigit(indx: 1)")?.suggestions, ["index:"])
        let index = h.error("print(xs[9])")
        XCTAssertEqual(index?.kind, .index)
        XCTAssertEqual(index?.range?.start.column, 10)
        XCTAssertEqual(h.error("xs.count()")?.kind, .type)
    }

    func testCompletionAndInspectionUseTheObjectsMembers() {
        let h = harness()
        XCTAssertEqual(h.session.complete("xs.", cursor: 3).matches, ["count", "labels", "perDigit"])
        XCTAssertEqual(h.session.complete("xs.perDigit(in", cursor: 14).matches.first, "index:")
        XCTAssertTrue(h.session.inspect("xs.perDigit(", cursor: 12)?.text.hasPrefix("perDigit(index: Int = 0) -> Batch") ?? false)
        h.run("help(xs.perDigit)")
        XCTAssertTrue(h.host.displays.last?.0.text.hasPrefix("perDigit(index: Int = 0) -> Batch") ?? false)
        guard case .success(let shown) = h.run("xs.perDigit") else { return XCTFail() }
        XCTAssertTrue(shown?.text.contains("Example:") ?? false)
        XCTAssertEqual(h.result("let f = xs.perDigit\nf(index: 2).count"), "10")
        h.run("help(xs)")
        let described = h.host.displays.last?.0.text ?? ""
        XCTAssertTrue(described.contains("Batch: Batch of 4"))
        XCTAssertTrue(described.contains(".perDigit(index: Int = 0) -> Batch — One item per digit."))
    }

    func testTypedArgumentAccessors() throws {
        let parameters = [
            BuiltinParameter(nil, name: "x", type: "Tensor", doc: "x"),
            BuiltinParameter("batch", type: "Batch", default: .nil, doc: "b"),
            BuiltinParameter("names", type: "List", default: .list([]), doc: "n"),
            BuiltinParameter("limit", type: "Int", default: .nil, doc: "l"),
        ]
        let builtin = Builtin(name: "probe", parameters: parameters, summary: "s", example: "probe(1)") { _, _ in .nil }
        var args = try builtin.bind([(nil, .list([.list([.int(1), .int(2)]), .list([.int(3), .double(4.5)])]), nil),
                                     ("batch", .object(LabelledBatch(labels: [1])), nil),
                                     ("names", .list([.string("a"), .string("b")]), nil)])
        XCTAssertEqual(try args.tensor("x").shape, [2, 2])
        XCTAssertEqual(try args.tensor("x").scalars, [1, 2, 3, 4.5])
        XCTAssertEqual(try args.object("batch", as: LabelledBatch.self, typeName: "Batch").labels, [1])
        XCTAssertEqual(try args.strings("names"), ["a", "b"])
        XCTAssertNil(try args.optionalInt("limit"))
        args.values["x"] = .list([.list([.int(1)]), .int(2)])
        XCTAssertThrowsError(try args.tensor("x")) { error in
            XCTAssertEqual((error as? ScriptError)?.message,
                           "probe: argument 'x' must be a Tensor or nested lists of numbers: is ragged: item [1] has shape [], item [0] has [1]"
                               .replacingOccurrences(of: "must be a Tensor or nested lists of numbers: ", with: ""))
        }
        args.values["batch"] = .int(3)
        XCTAssertThrowsError(try args.object("batch", as: LabelledBatch.self, typeName: "Batch")) { error in
            XCTAssertEqual((error as? ScriptError)?.message, "probe: argument 'batch' must be a Batch, got Int 3")
        }
        args.values["x"] = .double(2)
        XCTAssertEqual(try args.tensor("x").shape, [])
    }

    func testOpeningBraceOnTheNextLine() {
        let h = Harness()
        XCTAssertEqual(h.result("var n = 0\nfor i in 0..<3\n{\n n += i\n}\nif n == 3\n{\n n = 10\n}\nn"), "10")
    }
}
