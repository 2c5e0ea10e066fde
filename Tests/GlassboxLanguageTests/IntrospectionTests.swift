import XCTest
@testable import GlassboxLanguage

final class IntrospectionTests: XCTestCase {
    /// Splits "text with | cursor" into the code and the cursor offset in scalars.
    private func cursor(_ marked: String) -> (String, Int) {
        let scalars = Array(marked.unicodeScalars)
        let index = scalars.firstIndex(of: "|")!
        var code = String.UnicodeScalarView()
        code.append(contentsOf: scalars[..<index])
        code.append(contentsOf: scalars[(index + 1)...])
        return (String(code), index)
    }

    private func complete(_ session: LanguageSession, _ marked: String) -> Completion {
        let (code, offset) = cursor(marked)
        return session.complete(code, cursor: offset)
    }

    func testCompletesBuiltinsVariablesAndKeywords() {
        let session = LanguageSession()
        let c = complete(session, "pri|")
        XCTAssertEqual(c.matches, ["print"])
        XCTAssertEqual(c.start, 0)
        XCTAssertEqual(c.end, 3)
        _ = session.execute("let printedCount = 3; let whileCount = 1", host: RecordingHost())
        XCTAssertEqual(complete(session, "pri|").matches, ["printedCount", "print"])
        XCTAssertEqual(complete(session, "whi|").matches, ["whileCount", "while"])
        XCTAssertEqual(complete(session, "whi|").items.last?.kind, "keyword")
        XCTAssertEqual(complete(session, "sq|").items.first?.signature, "sqrt(_ x: Number or Tensor) -> Double")
    }

    func testCompletesInTheMiddleOfACell() {
        let session = LanguageSession()
        _ = session.execute("let accuracy = 0.9", host: RecordingHost())
        let c = complete(session, "let a = 1\nprint(acc|)\nlet b = 2")
        XCTAssertEqual(c.matches, ["accuracy"])
        XCTAssertEqual(c.start, 16)
        XCTAssertEqual(c.end, 19)
        // Cursor inside a word: the whole word is replaced.
        let inside = complete(session, "sl|eep(1)")
        XCTAssertEqual(inside.matches, ["sleep"])
        XCTAssertEqual(inside.start, 0)
        XCTAssertEqual(inside.end, 5)
        // Positions are Unicode scalars: an emoji before the cursor counts once.
        let emoji = complete(session, "let s = \"😀\"; pri|")
        XCTAssertEqual(emoji.start, 13)
        XCTAssertEqual(emoji.matches, ["print"])
    }

    func testCompletesArgumentLabelsInsideCallParentheses() {
        let session = LanguageSession()
        XCTAssertEqual(complete(session, "print(1, 2, sep|").matches.first, "separator:")
        let all = complete(session, "print(1, |").matches
        XCTAssertEqual(Array(all.prefix(2)), ["separator:", "terminator:"])
        // A label already used is not offered again.
        XCTAssertEqual(complete(session, "print(1, separator: \",\", |").matches.first, "terminator:")
        // Labels of the innermost call only.
        XCTAssertEqual(complete(session, "print(round(2.5, di|").matches.first, "digits:")
        XCTAssertEqual(complete(session, "print(round(2.5), |").matches.first, "separator:")
        // In the middle of a cell.
        XCTAssertEqual(complete(session, "round(3.14159, dig|)\nprint(2)").matches.first, "digits:")
    }

    func testCompletesMembersAfterDot() {
        let session = LanguageSession()
        _ = session.execute("let xs = [1, 2]; let name = \"x\"; let t = tensor([1, 2])", host: RecordingHost())
        XCTAssertEqual(complete(session, "xs.|").matches,
                       ["count", "isEmpty", "first", "last", "sum", "reversed", "sorted", "contains", "firstIndex", "joined"])
        XCTAssertEqual(complete(session, "name.up|").matches, ["uppercased"])
        XCTAssertEqual(complete(session, "t.sh|").matches, ["shape"])
        XCTAssertEqual(complete(session, "print(t.m|)").matches, ["mean", "min", "max"])
        // Unknown receivers give nothing rather than everything.
        XCTAssertEqual(complete(session, "unknown.c|").matches, [])
        // Ranges are not member access.
        XCTAssertEqual(complete(session, "0..<x|").matches, ["xs"])
    }

    func testNoCompletionInsideStrings() {
        let session = LanguageSession()
        XCTAssertEqual(complete(session, "print(\"pri|").matches, [])
    }

    func testInspectNameUnderOrBeforeCursorOrEnclosingCall() {
        let session = LanguageSession()
        let (code, offset) = cursor("print|")
        let help = session.inspect(code, cursor: offset)
        XCTAssertTrue(help?.text.hasPrefix("print(_ items: Any...") ?? false)
        XCTAssertTrue(help?.markdown?.contains("**Arguments**") ?? false)
        // Inside the word.
        XCTAssertTrue(session.inspect("sleep(1)", cursor: 2)?.text.hasPrefix("sleep(") ?? false)
        // Inside the call's parentheses, on an argument: the call's help.
        let inCall = cursor("round(2.5, digits: |")
        XCTAssertTrue(session.inspect(inCall.0, cursor: inCall.1)?.text.hasPrefix("round(") ?? false)
        let onLabel = cursor("round(2.5, dig|its: 1)")
        XCTAssertTrue(session.inspect(onLabel.0, cursor: onLabel.1)?.text.hasPrefix("round(") ?? false)
        // A variable: its type and value.
        _ = session.execute("let xs = [1, 2]", host: RecordingHost())
        XCTAssertEqual(session.inspect("xs", cursor: 2)?.text.hasPrefix("xs — List: [1, 2]"), true)
        // A method after a dot.
        XCTAssertTrue(session.inspect("xs.sum()", cursor: 4)?.text.hasPrefix("sum() -> Number") ?? false)
        XCTAssertNil(session.inspect("nothingHere", cursor: 3))
        XCTAssertNil(session.inspect("", cursor: 0))
    }

    func testIsComplete() {
        let session = LanguageSession()
        XCTAssertEqual(session.isComplete("print(\"hello\")"), .complete)
        XCTAssertEqual(session.isComplete(""), .complete)
        XCTAssertEqual(session.isComplete("print(1 +"), .incomplete(indent: ""))
        XCTAssertEqual(session.isComplete("for i in 0..<3 {"), .incomplete(indent: "    "))
        XCTAssertEqual(session.isComplete("for i in 0..<3 {\n  if i > 1 {"), .incomplete(indent: "        "))
        XCTAssertEqual(session.isComplete("let x = [1,"), .incomplete(indent: ""))
        XCTAssertEqual(session.isComplete("let x ="), .incomplete(indent: ""))
        XCTAssertEqual(session.isComplete("1 +"), .incomplete(indent: ""))
        XCTAssertEqual(session.isComplete("print(\"abc"), .incomplete(indent: ""))
        XCTAssertEqual(session.isComplete("/* comment"), .incomplete(indent: ""))
        XCTAssertEqual(session.isComplete("let = 3"), .invalid)
        XCTAssertEqual(session.isComplete("1 )"), .invalid)
        XCTAssertEqual(session.isComplete("1 @ 2"), .invalid)
        XCTAssertEqual(session.isComplete("\"abc\nprint(1)"), .invalid)
        XCTAssertEqual(session.isComplete("for i in 0..<3 {\n print(i)\n}"), .complete)
    }

    func testSuggestionsByEditDistance() {
        XCTAssertEqual(Suggestions.editDistance(Array("kitten"), Array("sitting")), 3)
        XCTAssertEqual(Suggestions.editDistance(Array("ab"), Array("ba")), 1)
        XCTAssertEqual(Suggestions.closest(to: "integratedGradient", among: ["integratedGradients", "smoothGrad", "gradients"]),
                       ["integratedGradients"])
        XCTAssertEqual(Suggestions.closest(to: "xyz", among: ["print", "sleep"]), [])
        XCTAssertEqual(Suggestions.closest(to: "integrated", among: ["integratedGradients", "intgrated"]),
                       ["intgrated", "integratedGradients"])
    }
}

final class ReceiverCompletionTests: XCTestCase {
    func testMembersOfIndexedPropertyAndLiteralReceivers() {
        let session = LanguageSession()
        _ = session.execute("let names = [\"ab\", \"cd\"]; let t = tensor([[1, 2]])", host: RecordingHost())
        XCTAssertEqual(session.complete("names[1].up", cursor: 11).matches, ["uppercased"])
        XCTAssertEqual(session.complete("\"x\".low", cursor: 7).matches, ["lowercased"])
        XCTAssertEqual(session.complete("[1, 2].cou", cursor: 10).matches, ["count"])
        XCTAssertEqual(session.complete("t[0].sh", cursor: 7).matches, ["shape"])
        XCTAssertEqual(session.complete("names.first.cou", cursor: 15).matches, ["count"])
        // After a dot with an unknown or call receiver: nothing, not every name.
        XCTAssertEqual(session.complete("f(x).c", cursor: 6).matches, [])
        XCTAssertEqual(session.complete("names[9].c", cursor: 10).matches, [])
        XCTAssertTrue(session.inspect("names[0].uppercased(", cursor: 20)?.text.hasPrefix("uppercased() -> String") ?? false)
    }

    func testCompletionNeverRunsCalls() {
        let session = LanguageSession()
        let host = RecordingHost()
        _ = session.execute("let xs = [1]", host: host)
        _ = session.complete("print(\"side effect\").c", cursor: 23)
        _ = session.complete("xs[print(1)].c", cursor: 14)
        XCTAssertEqual(host.stdout, "")
    }
}
