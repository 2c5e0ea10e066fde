import XCTest
@testable import GlassboxLanguage

/// User-defined functions: declaration, calls with labels and defaults, return, recursion and its
/// limit, scopes and shadowing, types, help, and errors with the call chain.
final class FunctionTests: XCTestCase {
    private func session() -> BindingsHarness { BindingsHarness(defineTiny: false) }

    func testDeclareAndCall() {
        let h = session()
        h.run("""
        /// Adds two numbers, then scales.
        /// (Second line of help.)
        func add(_ a: Int, to b: Int, times k: Int = 1) -> Int {
            return (a + b) * k
        }
        """)
        XCTAssertEqual(h.result("add(2, to: 3)"), "5")
        XCTAssertEqual(h.result("add(2, to: 3, times: 10)"), "50")
        XCTAssertEqual(h.result("let f = add\nf(1, to: 1)"), "2")
        // A parameter without a label is labelled by its name; no return gives nil.
        h.run("func shout(text: String) { print(text.uppercased()) }")
        XCTAssertEqual(h.result("shout(text: \"hi\")"), "<none>")
        XCTAssertTrue(h.host.stdout.contains("HI"))
        // The help comes from the /// lines.
        guard case .function(let add)? = h.session.value(of: "add") else { return XCTFail() }
        XCTAssertEqual(add.summary, "Adds two numbers, then scales. (Second line of help.)")
        XCTAssertEqual(add.signature, "add(_ a: Int, to: Int, times: Int = 1) -> Int")
        XCTAssertTrue(add.helpText.contains("func add(_ a: Int, to b: Int, times k: Int = 1) -> Int"))
        // Early return from inside loops.
        h.run("func firstOver(_ xs: List, limit: Int) -> Int { for x in xs { if x > limit { return x } }\nreturn -1 }")
        XCTAssertEqual(h.result("firstOver([1, 5, 9], limit: 4)"), "5")
        XCTAssertEqual(h.result("firstOver([1, 2], limit: 4)"), "-1")
        h.run("func countdown(_ n: Int) -> Int { var i = n\nwhile true { i -= 1\nif i < 3 { return i } } }")
        XCTAssertEqual(h.result("countdown(10)"), "2")
    }

    func testRecursionAndItsLimit() {
        let h = session()
        h.run("func fact(_ n: Int) -> Int { if n <= 1 { return 1 }\nreturn n * fact(n - 1) }")
        XCTAssertEqual(h.result("fact(10)"), "3628800")
        h.run("func forever(_ n: Int) -> Int { return forever(n + 1) }")
        let error = h.error("forever(0)")
        XCTAssertEqual(error?.kind, .runtime)
        XCTAssertTrue(error?.message.contains("more than \(Interpreter.maximumCallDepth) function calls deep") == true, error?.message ?? "")
        // The session survives and the depth is reset.
        XCTAssertEqual(h.result("fact(5)"), "120")
    }

    func testArgumentLabelsAndTypes() {
        let h = session()
        h.run("func scale(_ t: Tensor, by k: Double) -> Tensor { return t * k }")
        XCTAssertEqual(h.error("scale(tensor([1, 2]), with: 2)")?.suggestions, [])
        XCTAssertEqual(h.error("scale(tensor([1, 2]), byy: 2)")?.suggestions.first, "by:")
        XCTAssertEqual(h.error("scale(tensor([1, 2]))")?.kind, .type)
        XCTAssertEqual(h.result("scale(tensor([1, 2]), by: 2).toList()"), "[2.0, 4.0]")
        let wrongType = h.error("scale([1, 2], by: 2)")
        XCTAssertEqual(wrongType?.kind, .type)
        XCTAssertEqual(wrongType?.message, "scale: argument '_' must be a Tensor, got List [1, 2]".replacingOccurrences(of: "'_'", with: "'t'"))
        h.run("func half(_ x: Int) -> Int { return x / 2 }")
        XCTAssertEqual(h.error("half(3)")?.message.contains("the result must be a Int"), true)
        h.run("func missing(_ x: Int) -> Int { let y = x }")
        XCTAssertEqual(h.error("missing(1)")?.message, "missing ended without 'return'; it promises a Int")
        XCTAssertEqual(h.error("func twice(a: Int, a: Int) { }")?.kind, .syntax)
        XCTAssertEqual(h.error("return 3")?.kind, .syntax)
        XCTAssertEqual(h.error("if true { func inner() { } }")?.kind, .syntax)
    }

    func testScopesAndShadowing() {
        let h = session()
        h.run("let x = 10\nvar counter = 0")
        // Parameters shadow globals; locals do not leak; globals are visible and assignable.
        h.run("func f(x: Int) -> Int { let y = x + 1\ncounter += 1\nreturn y }")
        XCTAssertEqual(h.result("f(x: 1)"), "2")
        XCTAssertEqual(h.result("x"), "10")
        XCTAssertEqual(h.result("counter"), "1")
        XCTAssertEqual(h.error("y")?.kind, .name)
        // A caller's locals are not visible inside the function.
        h.run("func g() -> Int { return hidden }")
        XCTAssertEqual(h.error("for hidden in 0..<1 { g() }")?.kind, .name)
        // Parameters are constants.
        h.run("func h(n: Int) { n = 3 }")
        XCTAssertEqual(h.error("h(n: 1)")?.kind, .type)
        // A function may shadow a builtin; re-running the cell replaces it.
        h.run("func abs(_ v: Int) -> Int { return 42 }")
        XCTAssertEqual(h.result("abs(-3)"), "42")
        h.run("func f(x: Int) -> Int { return x * 100 }")
        XCTAssertEqual(h.result("f(x: 2)"), "200")
        // break and continue inside a function need a loop inside that function.
        h.run("func bad() { break }")
        XCTAssertEqual(h.error("for i in 0..<2 { bad() }")?.kind, .syntax)
    }

    func testErrorsInsideFunctionsShowTheCallChain() throws {
        let h = session()
        let definition = "func inner(_ t: Tensor) -> Tensor {\n    return t + tensor([1, 2, 3])\n}\nfunc outer(_ t: Tensor) -> Tensor { return inner(t) * 2 }"
        h.run(definition)
        let cell = "let r = outer(tensor([1, 2]))"
        let error = try XCTUnwrap(h.error(cell))
        XCTAssertEqual(error.frames.map(\.function), ["inner", "outer"])
        XCTAssertEqual(error.range?.start.line, 1)
        XCTAssertEqual(error.frames[0].range?.start.line, 2, "inside inner, on its second line")
        let lines = TracebackRenderer(colored: false).lines(for: error, source: cell)
        let text = lines.joined(separator: "\n")
        XCTAssertTrue(text.contains("1 | let r = outer(tensor([1, 2]))"), text)
        XCTAssertTrue(text.contains("in outer:"), text)
        XCTAssertTrue(text.contains("in inner:"), text)
        XCTAssertTrue(text.contains("2 |     return t + tensor([1, 2, 3])"), text)
        XCTAssertLessThan(text.range(of: "in outer:")!.lowerBound, text.range(of: "in inner:")!.lowerBound)
        // Each source line is followed by a caret under the failing column: the call in the cell, the
        // call of inner in outer, and the addition in inner.
        let expectedCarets: [(source: String, range: SourceRange?)] = [
            ("1 | let r = outer(tensor([1, 2]))", error.range),
            ("4 | func outer(_ t: Tensor) -> Tensor { return inner(t) * 2 }", error.frames[1].range),
            ("2 |     return t + tensor([1, 2, 3])", error.frames[0].range),
        ]
        for (source, range) in expectedCarets {
            let index = try XCTUnwrap(lines.firstIndex(of: source), "\(source) is not shown:\n\(text)")
            let caretLine = lines[index + 1]
            let caret = try XCTUnwrap(caretLine.firstIndex(of: "^"), caretLine)
            let column = try XCTUnwrap(range?.start.column)
            // "N | " is as wide in the source line as in the caret line.
            XCTAssertEqual(caretLine.distance(from: caretLine.startIndex, to: caret), 4 + column - 1, "\(source)\n\(caretLine)")
            XCTAssertTrue(caretLine.hasPrefix("  | "), caretLine)
        }
        XCTAssertEqual(error.frames[1].range?.start.line, 4, "inside outer, on the definition cell's fourth line")
        // An interrupt inside a function is an interrupt.
        h.run("func spin() { while true { } }")
        let interrupting = InterruptAfter(session: h.session, seconds: 0.2)
        interrupting.start()
        guard case .interrupted = h.run("spin()") else { return XCTFail("not interrupted") }
    }

    /// Swift's rule for a line that starts with a binary operator: followed by a space it continues the
    /// expression above (a long formula split before its operators); written against its operand it is a
    /// prefix operator and starts a statement of its own.
    func testALineStartingWithABinaryOperatorContinuesTheExpression() {
        let h = session()
        h.run("""
        func zB(_ x: Double, _ l: Double, _ h: Double) -> Double {
            return x * 2
                - l * 2
                - h * 0
        }
        """)
        XCTAssertEqual(h.result("zB(1.0, 0.25, 5.0)"), "1.5")
        XCTAssertEqual(h.result("let a = 10\n    - 4\n    * 2\na"), "2")
        XCTAssertEqual(h.result("let b = 10\n\n  + 1\nb"), "11")
        XCTAssertEqual(h.result("let t = tensor([1, 2])\n    + tensor([3, 4])\nt.toList()"), "[4.0, 6.0]")
        XCTAssertEqual(h.result("let c = true\n    && false\nc"), "false")
        // A prefix minus against its operand starts a new statement: c2 stays 10.
        XCTAssertEqual(h.result("let c2 = 10\n-4\nc2"), "10")
        XCTAssertEqual(h.result("var n = 1\n!true\nn"), "1")
        // An operator at the end of the cell still asks for more.
        XCTAssertEqual(h.error("let d = 1\n    -")?.kind, .syntax)
    }

    func testFunctionsInCompletionAndHelp() {
        let h = session()
        h.run("/// Squares.\nfunc square(of x: Double) -> Double { return x * x }")
        let completion = h.session.complete("squ", cursor: 3)
        XCTAssertTrue(completion.items.contains { $0.text == "square" }, "\(completion.items.map(\.text))")
        let labels = h.session.complete("square(o", cursor: 8)
        XCTAssertTrue(labels.items.contains { $0.text == "of:" }, "\(labels.items.map(\.text))")
        XCTAssertEqual(h.result("square(of: 3)"), "9.0")
    }
}

/// Interrupts a session after a delay, from another thread.
final class InterruptAfter: @unchecked Sendable {
    let session: LanguageSession
    let seconds: Double
    init(session: LanguageSession, seconds: Double) {
        self.session = session
        self.seconds = seconds
    }
    func start() {
        Thread.detachNewThread { [self] in
            Thread.sleep(forTimeInterval: seconds)
            session.interrupt()
        }
    }
}
