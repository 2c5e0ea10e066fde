import XCTest
@testable import GlassboxLanguage

final class ParserTests: XCTestCase {
    private func dump(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            return ASTDump.dump(try Parser.parse(source))
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return ""
        }
    }

    private func syntaxError(_ source: String) -> ScriptError? {
        do {
            _ = try Parser.parse(source)
            return nil
        } catch let error as ScriptError {
            return error
        } catch {
            return nil
        }
    }

    func testPrecedenceAndAssociativity() {
        XCTAssertEqual(dump("1 + 2 * 3 - 4"), "(- (+ 1 (* 2 3)) 4)")
        XCTAssertEqual(dump("8 / 4 / 2"), "(/ (/ 8 4) 2)")
        XCTAssertEqual(dump("a || b && !c"), "(|| a (&& b (! c)))")
        XCTAssertEqual(dump("x + 1 < y * 2 && z"), "(&& (< (+ x 1) (* y 2)) z)")
        XCTAssertEqual(dump("0..<n + 1"), "(..< 0 (+ n 1))")
        XCTAssertEqual(dump("-x.count"), "(- (. x count))")
        XCTAssertEqual(dump("-3 * 2"), "(* -3 2)")
        XCTAssertEqual(dump("(1 + 2) * 3"), "(* (+ 1 2) 3)")
    }

    func testLiterals() {
        XCTAssertEqual(dump("[1, 2.5, \"a\\n\", true, nil]"), "[1, 2.5, \"a\\n\", true, nil]")
        XCTAssertEqual(dump("1e-3"), "0.001")
        XCTAssertEqual(dump("1_000"), "1000")
        XCTAssertEqual(dump("\"x = \\(x + 1)!\""), "\"x = \\((+ x 1))!\"")
        XCTAssertEqual(dump("0...9"), "(... 0 9)")
        XCTAssertEqual(dump("[]"), "[]")
    }

    func testCallsMembersAndIndexing() {
        XCTAssertEqual(dump("f(x, steps: 50)"), "(call f x steps: 50)")
        XCTAssertEqual(dump("xs.perDigit(index: 3)"), "(call (. xs perDigit) index: 3)")
        XCTAssertEqual(dump("mnist.train.images[0..<5]"), "([] (. (. mnist train) images) (..< 0 5))")
        XCTAssertEqual(dump("show(ig(net, xs,\n  steps: 50),\n  over: xs)"),
                       "(call show (call ig net xs steps: 50) over: xs)")
        XCTAssertEqual(dump("f()[1](2)"), "(call ([] (call f) 1) 2)")
    }

    func testStatements() {
        XCTAssertEqual(dump("let a = 1; var b = a\nb += 2"), "(let a 1)\n(var b a)\n(+= b 2)")
        XCTAssertEqual(dump("var c"), "(var c)")
        XCTAssertEqual(dump("xs[0] = 1"), "(= ([] xs 0) 1)")
        XCTAssertEqual(dump("for i in 0..<3 { print(i); continue }"),
                       "(for i (..< 0 3) {(silent (call print i)); (continue)})")
        XCTAssertEqual(dump("while x < 3 {\n x += 1\n if x == 2 { break }\n}"),
                       "(while (< x 3) {(+= x 1); (if (== x 2) {(break)})})")
        XCTAssertEqual(dump("if a { 1 } else if b { 2 }\nelse { 3 }"),
                       "(if a {1} else {(if b {2} else {3})})")
        XCTAssertEqual(dump("1 + 2;"), "(silent (+ 1 2))")
        XCTAssertEqual(dump("// comment\n/* block /* nested */ */ x // tail"), "x")
        XCTAssertEqual(dump(""), "")
    }

    func testSyntaxErrorMessagesAndPositions() {
        let cases: [(String, String, Int, Int)] = [
            ("print(1 +", "expected an expression after '+', found end of input", 1, 10),
            ("let = 3", "expected a name after 'let', found '='", 1, 5),
            ("let x", "expected '=' and a value after 'let x', found end of input", 1, 6),
            ("f(1 2)", "expected ',' or ')' in the argument list, found number 2", 1, 5),
            ("(1 + 2", "expected ')' to close this '(', found end of input", 1, 1),
            ("[1, 2", "expected ']' to close this '[', found end of input", 1, 1),
            ("f(1,\n  2", "expected ')' to close this '(', found end of input", 1, 2),
            ("if x = 1 { }", "expected '{' to start the body of 'if', found '='; use '==' to compare", 1, 6),
            ("for i 0..<3 { }", "expected 'in' after 'for i', found number 0", 1, 7),
            ("for i in 0..<3 {\n  print(i)\n", "expected '}' to close this '{' of 'for', found end of input", 1, 16),
            ("if x print(x)", "expected '{' to start the body of 'if', found identifier 'print'", 1, 6),
            ("1 + 2 = 3", "cannot assign to this expression: expected a variable name or an element 'name[index]' on the left of '='", 1, 7),
            ("\"abc", "unterminated string literal: expected '\"' to close it", 1, 1),
            ("\"a\\q\"", "invalid escape sequence '\\q' in string: expected one of \\n \\t \\r \\0 \\\\ \\\" \\(…)", 1, 3),
            ("x = 1 }", "unexpected '}': there is no open '{' to close", 1, 7),
            ("x = 1 y", "expected a newline or ';' after the statement, found identifier 'y'", 1, 7),
            ("\"\\()\"", "expected an expression inside '\\(…)'", 1, 2),
            ("}", "unexpected '}': there is no open '{' to close", 1, 1),
            ("a < b < c", "comparisons cannot be chained: add parentheses or use '&&' between '<' and '<'", 1, 7),
            ("1 @ 2", "unexpected character '@'", 1, 3),
            ("12abc", "invalid number literal: expected a digit, an exponent or a separator", 1, 1),
            ("xs.", "expected a member name after '.', found end of input", 1, 4),
            ("/* open", "unterminated comment: expected '*/' to close '/*'", 1, 1),
            ("\"\\(1 + )\"", "expected an expression, found ')'", 1, 8),
        ]
        for (source, message, line, column) in cases {
            guard let error = syntaxError(source) else {
                XCTFail("no error for \(source)")
                continue
            }
            XCTAssertEqual(error.kind, .syntax, source)
            XCTAssertEqual(error.message, message, source)
            XCTAssertEqual(error.range?.start.line, line, source)
            XCTAssertEqual(error.range?.start.column, column, source)
            // The rendered caret sits under that column of that line.
            let lines = TracebackRenderer(colored: false).lines(for: error, source: source)
            XCTAssertEqual(lines[0], "SyntaxError: " + message, source)
            XCTAssertEqual(lines[1], " --> line \(line), column \(column)", source)
            let sourceLine = source.split(separator: "\n", omittingEmptySubsequences: false)[line - 1]
            XCTAssertEqual(lines[2], "\(line) | " + sourceLine, source)
            let caretLine = lines[3]
            XCTAssertTrue(caretLine.hasPrefix("  | " + String(repeating: " ", count: column - 1) + "^"), "\(source): \(caretLine)")
        }
    }

    func testTracebackHasSourceLineCaretAndTildes() {
        let session = LanguageSession()
        let host = RecordingHost()
        let code = "let total = 1\nprnt(total)"
        guard case .failure(let error) = session.execute(code, host: host) else { return XCTFail("expected an error") }
        let lines = TracebackRenderer(colored: false).lines(for: error, source: code)
        XCTAssertEqual(lines, [
            "NameError: cannot find 'prnt' in scope",
            " --> line 2, column 1",
            "2 | prnt(total)",
            "  | ^~~~",
            "help: did you mean 'print'?",
        ])
        let colored = TracebackRenderer(colored: true).lines(for: error, source: code)
        XCTAssertTrue(colored[0].contains("\u{1B}[1;31mNameError\u{1B}[0m"))
    }

    func testTracebackCaretAtEndOfLineForMissingToken() {
        let code = "print(1 +"
        let error = syntaxError(code)!
        let lines = TracebackRenderer(colored: false).lines(for: error, source: code)
        XCTAssertEqual(lines[2], "1 | print(1 +")
        XCTAssertEqual(lines[3], "  |          ^")
    }

    func testLongLinesAreWindowedAroundTheColumn() {
        let code = "let x = " + String(repeating: "1 + ", count: 100) + "y" + String(repeating: " + 1", count: 100)
        let session = LanguageSession()
        guard case .failure(let error) = session.execute(code, host: RecordingHost()) else { return XCTFail() }
        let lines = TracebackRenderer(colored: false).lines(for: error, source: code)
        XCTAssertEqual(lines[1], " --> line 1, column 409")
        XCTAssertTrue(lines[2].hasPrefix("1 | …"))
        XCTAssertTrue(lines[2].hasSuffix("…"))
        XCTAssertLessThanOrEqual(lines[2].count, 4 + TracebackRenderer.maximumLineWidth + 2)
        // The caret sits under the 'y'.
        let caret = lines[3].firstIndex(of: "^")!
        let offset = lines[3].distance(from: lines[3].startIndex, to: caret)
        XCTAssertEqual(Array(lines[2])[offset], "y")
    }

    func testPositionsCountUnicodeScalars() {
        // "é" is one scalar, the emoji another: the error column counts scalars.
        let error = syntaxError("let s = \"é😀\" @")!
        XCTAssertEqual(error.range?.start.column, 14)
        XCTAssertEqual(error.range?.start.offset, 13)
    }
}

final class NestingTests: XCTestCase {
    /// Deep nesting is a clear SyntaxError (not a stack overflow), and the deepest accepted nesting
    /// runs, even in a debug build, on a thread with Linux's default 8 MiB stack.
    func testDeepNestingIsRejectedAndAcceptedDepthFitsASmallStack() {
        let tooDeep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        XCTAssertThrowsError(try Parser.parse(tooDeep)) { error in
            XCTAssertTrue((error as? ScriptError)?.message.hasPrefix("the code is nested too deeply") ?? false)
        }
        XCTAssertThrowsError(try Parser.parse(String(repeating: "-", count: 5000) + "1"))
        XCTAssertThrowsError(try Parser.parse(String(repeating: "if true {", count: 500) + String(repeating: "}", count: 500)))
        XCTAssertThrowsError(try Parser.parse(String(repeating: "\"\\(", count: 3000) + String(repeating: ")\"", count: 3000)))
        XCTAssertThrowsError(try Parser.parse(String(repeating: "\"\\((", count: 40) + "1" + String(repeating: "))\"", count: 40)))
        XCTAssertEqual(try Parser.parse("\"a\\(\"b\\(1)\")\"").count, 1)

        // Long operator chains make deep trees too.
        let longChain = "let x = " + Array(repeating: "1", count: 5000).joined(separator: " + ")
        XCTAssertThrowsError(try Parser.parse(longChain)) { error in
            XCTAssertTrue((error as? ScriptError)?.message.hasPrefix("the expression is too long") ?? false)
        }
        XCTAssertThrowsError(try Parser.parse("x" + String(repeating: ".count", count: 3000)))
        XCTAssertThrowsError(try Parser.parse("f" + String(repeating: "()", count: 3000)))
        let longest = "let x = " + Array(repeating: "1", count: Parser.maximumTreeDepth - 10).joined(separator: " + ") + "\nx"
        let chainResult = ResultBox()
        let chainThread = Thread {
            if case .success(let output) = LanguageSession().execute(longest, host: RecordingHost()) { chainResult.text = output?.text }
            chainResult.done.signal()
        }
        chainThread.stackSize = 8 * 1024 * 1024
        chainThread.start()
        XCTAssertEqual(chainResult.done.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(chainResult.text, "\(Parser.maximumTreeDepth - 10)")

        let depth = Parser.maximumNesting - 2
        let deepest = "[" + String(repeating: "(", count: depth - 1) + "-1" + String(repeating: " + 1)", count: depth - 1) + "]"
        let result = ResultBox()
        let thread = Thread {
            let session = LanguageSession()
            if case .success(let output) = session.execute(deepest, host: RecordingHost()) { result.text = output?.text }
            result.done.signal()
        }
        thread.stackSize = 8 * 1024 * 1024
        thread.start()
        XCTAssertEqual(result.done.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(result.text, "[\(depth - 2)]")
    }
}

private final class ResultBox: @unchecked Sendable {
    var text: String?
    let done = DispatchSemaphore(value: 0)
}
