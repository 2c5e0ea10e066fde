import XCTest
@testable import GlassboxLanguage

final class EvaluationTests: XCTestCase {
    func testIntegerAndDoubleDisplay() {
        let h = Harness()
        XCTAssertEqual(h.result("6 * 7"), "42")
        XCTAssertEqual(h.result("1 / 2"), "0.5")
        XCTAssertEqual(h.result("4 / 2"), "2.0")
        XCTAssertEqual(h.result("7 % 3"), "1")
        XCTAssertEqual(h.result("-7 % 3"), "-1")
        XCTAssertEqual(h.result("2 + 3 * 4 - 1"), "13")
        XCTAssertEqual(h.result("(2 + 3) * 4"), "20")
        XCTAssertEqual(h.result("1e-3"), "0.001")
        XCTAssertEqual(h.result("1.5 + 1"), "2.5")
        XCTAssertEqual(h.result("-(3 - 5)"), "2")
        XCTAssertEqual(h.result("7.5 % 2"), "1.5")
        XCTAssertEqual(h.result("type(of: 6 * 7)"), "\"Int\"")
        XCTAssertEqual(h.result("type(of: 6 / 3)"), "\"Double\"")
    }

    func testArithmeticErrors() {
        let h = Harness()
        XCTAssertEqual(h.error("1 / 0")?.kind, .arithmetic)
        XCTAssertEqual(h.error("5 % 0")?.kind, .arithmetic)
        XCTAssertEqual(h.error("9223372036854775807 + 1")?.kind, .arithmetic)
        XCTAssertEqual(h.error("\"a\" * 2")?.kind, .type)
        XCTAssertEqual(h.error("-\"a\"")?.kind, .type)
    }

    func testComparisonAndLogic() {
        let h = Harness()
        XCTAssertEqual(h.result("1 < 2 && 2 <= 2"), "true")
        XCTAssertEqual(h.result("1 == 1.0"), "true")
        XCTAssertEqual(h.result("\"a\" != \"b\" || false"), "true")
        XCTAssertEqual(h.result("!(3 > 4)"), "true")
        XCTAssertEqual(h.result("\"abc\" < \"abd\""), "true")
        // Short-circuit: the right side is not evaluated.
        XCTAssertEqual(h.result("false && undefinedName"), "false")
        XCTAssertEqual(h.error("1 && true")?.kind, .type)
    }

    func testStringsAndInterpolation() {
        let h = Harness()
        h.run("let name = \"world\"; let n = 3")
        XCTAssertEqual(h.result("\"hello, \\(name)!\""), "\"hello, world!\"")
        XCTAssertEqual(h.result("\"\\(n) * 2 = \\(n * 2)\""), "\"3 * 2 = 6\"")
        XCTAssertEqual(h.result("\"a\\tb\\\\\""), "\"a\\tb\\\\\"")
        XCTAssertEqual(h.result("\"nested \\(\"x\\(1 + 1)\")\""), "\"nested x2\"")
        XCTAssertEqual(h.result("\"abc\".count"), "3")
        XCTAssertEqual(h.result("\"abc\".uppercased()"), "\"ABC\"")
        XCTAssertEqual(h.result("\"ab\" + \"cd\""), "\"abcd\"")
        h.run("print(\"tab\\there\", 1, 2.5, [1, \"x\"])")
        XCTAssertEqual(h.host.stdout, "tab\there 1 2.5 [1, \"x\"]\n")
    }

    func testPrintSeparatorAndTerminator() {
        let h = Harness()
        h.run("print(1, 2, 3, separator: \", \", terminator: \".\")")
        XCTAssertEqual(h.host.stdout, "1, 2, 3.")
        h.run("warn(\"oops\")")
        XCTAssertEqual(h.host.stderr, "oops\n")
    }

    func testListsRangesIndexingAndSlicing() {
        let h = Harness()
        h.run("let xs = [10, 20, 30, 40]")
        XCTAssertEqual(h.result("xs[2]"), "30")
        XCTAssertEqual(h.result("xs[1..<3]"), "[20, 30]")
        XCTAssertEqual(h.result("xs[0...1]"), "[10, 20]")
        XCTAssertEqual(h.result("xs.count"), "4")
        XCTAssertEqual(h.result("xs.last"), "40")
        XCTAssertEqual(h.result("xs + [50]"), "[10, 20, 30, 40, 50]")
        XCTAssertEqual(h.result("0..<10"), "0..<10")
        XCTAssertEqual(h.result("(0...9).count"), "10")
        XCTAssertEqual(h.result("(3..<7)[1]"), "4")
        XCTAssertEqual(h.result("(-9223372036854775807..<9223372036854775807).count"), "9223372036854775807")
        XCTAssertEqual(h.error("0...9223372036854775807")?.kind, .value)
        XCTAssertEqual(h.result("\"hello\"[1..<3]"), "\"el\"")
        let negative = h.error("xs[-1]")
        XCTAssertEqual(negative?.kind, .index)
        XCTAssertTrue(negative?.message.contains("negative index -1") ?? false)
        XCTAssertEqual(h.error("\"abc\"[-2]")?.kind, .index)
        let outOfRange = h.error("xs[4]")
        XCTAssertEqual(outOfRange?.message, "index 4 is out of range for a List of 4 items; valid indices are 0...3")
        XCTAssertEqual(h.error("xs[2..<9]")?.kind, .index)
        XCTAssertEqual(h.error("5..<2")?.kind, .value)
    }

    func testLetVarAndAssignment() {
        let h = Harness()
        h.run("var total = 1")
        h.run("total += 4; total *= 3; total -= 1")
        XCTAssertEqual(h.result("total"), "14")
        h.run("total /= 4")
        XCTAssertEqual(h.result("total"), "3.5")
        h.run("let fixed = 1")
        let error = h.error("fixed = 2")
        XCTAssertEqual(error?.kind, .type)
        XCTAssertTrue(error?.message.contains("'let' constant") ?? false)
        XCTAssertEqual(error?.range?.start.column, 1)
        XCTAssertEqual(h.result("fixed"), "1")
        // Re-running a cell that declares a constant is allowed.
        h.run("let fixed = 5")
        XCTAssertEqual(h.result("fixed"), "5")
        h.run("var ys = [1, 2, 3]; ys[1] = 20; ys[2] += 1")
        XCTAssertEqual(h.result("ys"), "[1, 20, 4]")
        XCTAssertEqual(h.error("undeclared = 3")?.kind, .name)
    }

    func testStateSurvivesErrors() {
        let h = Harness()
        let error = h.error("let a = 1\nvar b = a + 1\nlet c = missing\nlet d = 4")
        XCTAssertEqual(error?.kind, .name)
        XCTAssertEqual(error?.range?.start.line, 3)
        XCTAssertEqual(h.result("a + b"), "3")
        XCTAssertEqual(h.error("d")?.kind, .name)
        // Block scopes do not leak after an error inside them.
        _ = h.error("for i in 0..<3 { let inner = i; missing }")
        XCTAssertEqual(h.error("inner")?.kind, .name)
        XCTAssertEqual(h.result("a"), "1")
    }

    func testLoopsAndConditionals() {
        let h = Harness()
        h.run("""
            var sum = 0
            for i in 0...10 {
                if i % 2 == 0 { continue }
                if i > 7 { break }
                sum += i
            }
            """)
        XCTAssertEqual(h.result("sum"), "16")  // 1 + 3 + 5 + 7
        h.run("""
            var n = 0
            while true {
                n += 1
                if n == 5 { break }
            }
            """)
        XCTAssertEqual(h.result("n"), "5")
        h.run("""
            var label = ""
            let x = 15
            if x < 10 {
                label = "small"
            } else if x < 20 {
                label = "medium"
            }
            else {
                label = "large"
            }
            """)
        XCTAssertEqual(h.result("label"), "\"medium\"")
        h.run("var chars = []; for c in \"hé!\" { chars = chars + [c] }")
        XCTAssertEqual(h.result("chars"), "[\"h\", \"é\", \"!\"]")
        XCTAssertEqual(h.error("if 1 { }")?.kind, .type)
        XCTAssertEqual(h.error("break")?.kind, .syntax)
        XCTAssertEqual(h.error("for x in 5 { }")?.kind, .type)
        // Loop variables are scoped to the loop.
        XCTAssertEqual(h.error("for k in 0..<2 { }; k")?.kind, .name)
    }

    func testLastExpressionIsResultUnlessSilenced() {
        let h = Harness()
        XCTAssertEqual(h.result("let a = 2\na * 3"), "6")
        XCTAssertEqual(h.result("a * 3;"), "<none>")
        XCTAssertEqual(h.result("let b = 1"), "<none>")
        XCTAssertEqual(h.result("print(1)"), "<none>")
        XCTAssertEqual(h.result("nil"), "<none>")
        XCTAssertEqual(h.result("// only a comment\n/* and a\n block */"), "<none>")
    }

    func testTensorsElementWise() {
        let h = Harness()
        h.run("let t = tensor([[1, 2], [3, 4]])")
        XCTAssertEqual(h.result("t.shape"), "[2, 2]")
        XCTAssertEqual(h.result("(t * 2 + 1).toList()"), "[3.0, 5.0, 7.0, 9.0]")
        XCTAssertEqual(h.result("(10 - t).toList()"), "[9.0, 8.0, 7.0, 6.0]")
        XCTAssertEqual(h.result("(t * t).sum()"), "30.0")
        XCTAssertEqual(h.result("(t > 2).toList()"), "[0.0, 0.0, 1.0, 1.0]")
        XCTAssertEqual(h.result("t[1].toList()"), "[3.0, 4.0]")
        XCTAssertEqual(h.result("t[0..<1].shape"), "[1, 2]")
        XCTAssertEqual(h.result("(-t).min()"), "-4.0")
        XCTAssertEqual(h.result("t.mean()"), "2.5")
        XCTAssertEqual(h.error("t + zeros([3])")?.kind, .value)
        XCTAssertEqual(h.error("zeros([4294967296, 4294967296])")?.kind, .value)
        XCTAssertEqual(h.error("zeros([5000, 5000])")?.kind, .value)
        XCTAssertEqual(h.error("zeros([-1])")?.kind, .value)
        XCTAssertEqual(h.result("zeros([0, 3]).count"), "0")
        XCTAssertEqual(h.error("tensor([[1, 2], [3]])")?.kind, .value)
        XCTAssertEqual(h.result("abs(tensor([-1.5, 2])).toList()"), "[1.5, 2.0]")
    }

    func testDeeplyNestedListsAreAnErrorNotACrash() {
        let h = Harness()
        let error = h.error("var x = []\nfor i in 0..<100000 { x = [x] }")
        XCTAssertEqual(error?.kind, .value)
        XCTAssertTrue(error?.message.hasPrefix("lists are nested too deeply") ?? false)
        XCTAssertEqual(h.result("x.count"), "1")
        XCTAssertEqual(h.error("var y = [0]\nfor i in 0..<100000 { y[0] = y }")?.kind, .value)
        XCTAssertEqual(h.result("[[1], [[2]]]"), "[[1], [[2]]]")
    }

    func testStringAndListMethods() {
        let h = Harness()
        XCTAssertEqual(h.result("\"digit 7\".contains(\"7\")"), "true")
        XCTAssertEqual(h.result("\"mnist-cnn\".hasPrefix(\"cnn\")"), "false")
        XCTAssertEqual(h.result("\"a.b\".hasSuffix(\".b\")"), "true")
        XCTAssertEqual(h.result("\"a,,b\".split(separator: \",\")"), "[\"a\", \"\", \"b\"]")
        XCTAssertEqual(h.error("\"ab\".split(separator: \"\")")?.kind, .value)
        XCTAssertEqual(h.result("[3, 1.5, 2].sorted()"), "[1.5, 2, 3]")
        XCTAssertEqual(h.result("[\"b\", \"a\"].sorted()"), "[\"a\", \"b\"]")
        XCTAssertEqual(h.error("[1, \"a\"].sorted()")?.kind, .type)
        XCTAssertEqual(h.result("[1, 2, 3].contains(2.0)"), "true")
        XCTAssertEqual(h.result("[\"a\", \"b\"].firstIndex(of: \"b\")"), "1")
        XCTAssertEqual(h.result("[\"a\"].firstIndex(of: \"z\")"), "<none>")
        XCTAssertEqual(h.result("[1, \"x\", 2.5].joined(separator: \"|\")"), "\"1|x|2.5\"")
        XCTAssertEqual(h.result("[1, 2, 3].sum()"), "6")
        XCTAssertEqual(h.result("[1, 2.5].sum()"), "3.5")
        let bad = h.error("let bad = [1, \"a\"].sum()")
        XCTAssertEqual(bad?.message, "sum: item 1 is a String, not a number")
        XCTAssertEqual(bad?.range?.start.column, 11)
    }

    func testTensorDisplay() {
        let h = Harness()
        XCTAssertEqual(h.result("tensor([[1, 2], [3, 4.5]])"), "Tensor(shape: [2, 2],\n [[1.0, 2.0],\n  [3.0, 4.5]])")
        XCTAssertEqual(h.result("tensor([[[1], [2]], [[3], [4]]]).shape"), "[2, 2, 1]")
        XCTAssertEqual(h.result("zeros([2, 1, 2]) + 1"),
                       "Tensor(shape: [2, 1, 2],\n [[[1.0, 1.0]],\n\n  [[1.0, 1.0]]])".replacingOccurrences(of: "\n\n", with: "\n"))
        XCTAssertEqual(h.result("tensor([])"), "Tensor(shape: [0],\n [])")
        XCTAssertEqual(h.result("zeros([10, 10]) + 2"),
                       "Tensor(shape: [10, 10], 100 values, min 2.0, max 2.0, mean 2.0, [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, …])")
        XCTAssertEqual(h.result("(zeros([100]) / 0).count"), "100")
        XCTAssertEqual(h.result("zeros([100]) / 0"), "Tensor(shape: [100], 100 values, 100 not finite, [nan, nan, nan, nan, nan, nan, …])")
    }

    func testMathBuiltins() {
        let h = Harness()
        XCTAssertEqual(h.result("abs(-3)"), "3")
        XCTAssertEqual(h.result("min(3, 1, 2)"), "1")
        XCTAssertEqual(h.result("max([4.5, 2, 7])"), "7")
        XCTAssertEqual(h.result("sqrt(16)"), "4.0")
        XCTAssertEqual(h.result("exp(0)"), "1.0")
        XCTAssertEqual(h.result("log(1)"), "0.0")
        XCTAssertEqual(h.result("round(2.5)"), "3.0")
        XCTAssertEqual(h.result("round(-2.5)"), "-3.0")
        XCTAssertEqual(h.result("round(3.14159, digits: 2)"), "3.14")
        let error = h.error("sqrt(-1)")
        XCTAssertEqual(error?.message, "sqrt: argument 'x' must be a non-negative number, got -1")
        XCTAssertEqual(error?.range?.start.column, 6)
        XCTAssertEqual(h.error("min()")?.kind, .value)
        XCTAssertEqual(h.result("sum([1, 2, 3])"), "6")
        XCTAssertEqual(h.result("sum(1.5, 2)"), "3.5")
        XCTAssertEqual(h.result("sum([])"), "0")
        XCTAssertEqual(h.result("sum(tensor([[1, 2], [3, 4]]))"), "10.0")
        XCTAssertEqual(h.result("mean([1, 2, 3, 4])"), "2.5")
        XCTAssertEqual(h.result("mean(tensor([1, 2]))"), "1.5")
        XCTAssertEqual(h.error("mean([])")?.kind, .value)
        XCTAssertEqual(h.error("sum([1, \"a\"])")?.kind, .type)
        XCTAssertEqual(h.error("sum(9223372036854775807, 1)")?.kind, .arithmetic)
    }

    func testArgumentErrorsNameBuiltinAndArgument() {
        let h = Harness()
        let bad = h.error("round(1.5, digit: 2)")
        XCTAssertEqual(bad?.kind, .type)
        XCTAssertEqual(bad?.suggestions, ["digits:"])
        XCTAssertTrue(bad?.message.hasPrefix("round: unknown argument label 'digit:'") ?? false)
        XCTAssertEqual(h.error("round()")?.message, "round: missing argument 'x' (Number); signature: round(_ x: Number, digits: Int = 0) -> Double")
        XCTAssertTrue(h.error("\"n = \" + 3")?.message.hasSuffix("write \"…\\(value)\" to put a value into a string") ?? false)
        XCTAssertEqual(h.error("sleep(-1)")?.message, "sleep: argument 'seconds' must be a non-negative number, got -1")
        let missing = h.error("sqrt()")
        XCTAssertTrue(missing?.message.hasPrefix("sqrt: missing argument") ?? false)
        let wrongType = h.error("sleep(\"long\")")
        XCTAssertEqual(wrongType?.message, "sleep: argument 'seconds' must be a number, got String \"long\"")
        XCTAssertEqual(h.error("sleep(-3)")?.kind, .value)
        XCTAssertEqual(h.error("42(1)")?.kind, .type)
    }

    func testNameErrorSuggestions() {
        let h = Harness()
        h.run("let accuracy = 0.9")
        let error = h.error("acuracy + 1")
        XCTAssertEqual(error?.kind, .name)
        XCTAssertEqual(error?.suggestions.first, "accuracy")
        XCTAssertEqual(h.error("prnt(1)")?.suggestions.first, "print")
        let member = h.error("\"abc\".cont")
        XCTAssertEqual(member?.suggestions, ["count", "contains"])
        XCTAssertEqual(member?.range?.start.column, 7)
        XCTAssertEqual(member?.range?.end.column, 11)
        XCTAssertEqual(h.error("round(2.5, digits)")?.suggestions.first, "digits: …")
        XCTAssertEqual(h.error("print(1, seperator)")?.suggestions.first, "separator:")
        let method = h.error("[1].sume()")
        XCTAssertEqual(method?.suggestions, ["sum"])
    }

    func testReadLineUsesHostInput() {
        let h = Harness()
        h.host.inputs = ["Ada"]
        h.run("let name = readLine(prompt: \"Name: \")")
        XCTAssertEqual(h.host.prompts, ["Name: "])
        XCTAssertEqual(h.result("name"), "\"Ada\"")
        let error = h.error("readLine()")
        XCTAssertEqual(error?.kind, .runtime)
        XCTAssertTrue(error?.message.hasPrefix("readLine: no input is available") ?? false)
    }

    func testHelpPrintsSignatureArgumentsAndExample() {
        let h = Harness()
        h.run("help(print)")
        let shown = h.host.displays.last?.0.text ?? ""
        XCTAssertTrue(shown.contains("print(_ items: Any..., separator: String = \" \", terminator: String = \"\\n\")"))
        XCTAssertTrue(shown.contains("separator: String = \" \" — text between two items"))
        XCTAssertTrue(shown.contains("Example:"))
        let h2 = Harness()
        h2.run("help(\"round\")")
        XCTAssertTrue(h2.host.displays.last?.0.text.contains("digits: Int = 0") ?? false)
        let h3 = Harness()
        h3.run("help()")
        XCTAssertTrue(h3.host.displays.last?.0.text.contains("sleep") ?? false)
        XCTAssertEqual(Harness().error("help(\"prnt\")")?.suggestions.first, "print")
    }

    func testShowDisplaysTextForPlainValues() {
        let h = Harness()
        h.run("show(6 * 7)")
        XCTAssertEqual(h.host.displays.count, 1)
        XCTAssertEqual(h.host.displays.first?.0.text, "42")
    }
}
