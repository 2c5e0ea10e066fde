import GlassboxEngine
import XCTest
@testable import GlassboxLanguage

/// Cells that ask for more memory than the budget fail with a MemoryError; the session and its
/// variables survive, and the next cell runs. Methods shrink their internal batches to what fits.
final class MemoryBudgetTests: XCTestCase {
    private var savedLimit = 0

    override func setUp() {
        savedLimit = MemoryBudget.shared.limit
        // A small budget above what the test process holds now.
        MemoryBudget.shared.limit = MemoryBudget.shared.inUse + 256 << 20
    }

    override func tearDown() { MemoryBudget.shared.limit = savedLimit }

    func testRunawayStringsListsAndTensorsFailTheCellNotTheKernel() {
        let h = BindingsHarness(defineTiny: false)
        h.run("let keep = 42")
        let strings = h.error("var s = \"ab\"\nwhile true { s = s + s }")
        XCTAssertEqual(strings?.kind, .memory)
        XCTAssertTrue(strings?.message.contains("set GLASSBOX_MEMORY_LIMIT") == true, strings?.message ?? "")
        XCTAssertTrue(strings?.message.contains("budget") == true)
        XCTAssertEqual(h.error("var l = [1, 2]\nwhile true { l = l + l }")?.kind, .memory)
        XCTAssertEqual(h.error("var t = \"x\"\nwhile true { t = \"\\(t)\\(t)\" }")?.kind, .memory)
        // The survivors hold most of the budget; let them go.
        h.run("s = \"\"\nl = []\nt = \"\"")
        let tensors = h.error("var ts = []\nfor i in 0..<1000 { ts = ts + [zeros([4096, 4096])] }")
        XCTAssertEqual(tensors?.kind, .memory)
        XCTAssertTrue(tensors?.message.contains("zeros") == true, tensors?.message ?? "")
        // Everything bound before survives; the next cell runs.
        XCTAssertEqual(h.result("keep"), "42")
        XCTAssertGreaterThan(Int(h.result("ts.count")) ?? 0, 0)
        XCTAssertEqual(h.result("1 + 1"), "2")
    }

    func testMethodsShrinkTheirBatchesToWhatFits() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"cnn-max-nb\", untrained: true)\nlet xs = tiny.test[0..<2]")
        // A billion rows per pass would need terabytes: the passes shrink to the budget and finish.
        guard case .success = h.run("let e = integratedGradients(net, xs, steps: 50, batchSize: 1000000000)") else {
            return XCTFail(h.result("e"))
        }
        XCTAssertLessThan(MemoryBudget.shared.inUse, MemoryBudget.shared.limit)
        XCTAssertNil(h.error("smoothGrad(net, xs, samples: 50, batchSize: 1000000000)"))
        // A very long run stays within the budget and stops on an interrupt; the session lives.
        let interrupting = InterruptAfter(session: h.session, seconds: 0.5)
        interrupting.start()
        guard case .interrupted = h.run("smoothGrad(net, xs, samples: 10000000, batchSize: 1000000000)") else { return XCTFail() }
        XCTAssertEqual(h.result("e.count"), "2")
    }

    func testTheLimitIsConfigurable() {
        XCTAssertEqual(MemoryBudget.parse("800M"), 800 << 20)
        XCTAssertEqual(MemoryBudget.parse("2g"), 2 << 30)
        XCTAssertEqual(MemoryBudget.parse("1.5G"), 3 << 29)
        XCTAssertEqual(MemoryBudget.parse("123456"), 123_456)
        XCTAssertNil(MemoryBudget.parse("lots"))
        XCTAssertNil(MemoryBudget.parse("-1G"))
        XCTAssertEqual(MemoryBudget.configuredLimit(environment: ["GLASSBOX_MEMORY_LIMIT": "3G"]), 3 << 30)
        XCTAssertEqual(MemoryBudget.defaultLimit(physical: 16 << 30, cgroup: nil), 8 << 30)
        XCTAssertEqual(MemoryBudget.defaultLimit(physical: 16 << 30, cgroup: 4 << 30), (4 << 30) / 10 * 8)
    }
}

/// Every error kind docs/language.md lists is the kind the language raises, and every kind is listed.
final class ErrorKindDocumentationTests: XCTestCase {
    func testEveryDocumentedKindIsRaisedAsDocumented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/language.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let documented = Set(text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            let name = String(line[line.index(line.startIndex, offsetBy: 3)..<end])
            return name.hasSuffix("Error") || name == "Interrupted" ? name : nil
        })
        XCTAssertEqual(documented, Set(ScriptError.Kind.allCases.map(\.rawValue)))
        let h = BindingsHarness(defineTiny: false)
        let triggers: [ScriptError.Kind: String] = [
            .syntax: "print(", .name: "undefinedThing", .type: "let x = 1\nx = 2", .value: "sqrt(-1)",
            .index: "[1, 2][5]", .arithmetic: "1 / 0", .assertion: "assert(false, \"no\")",
            .runtime: "func f(_ n: Int) -> Int { return f(n) }\nf(1)",
        ]
        for (kind, code) in triggers { XCTAssertEqual(h.error(code)?.kind, kind, code) }
        // A method given a bad value says ValueError once, without repeating its name.
        h.run("let net = model(\"mlp-nb\", untrained: true)")
        h.session.define("xs", .object(try ImageBatch(tensor: Tensor(zeros: [1, 1, 28, 28]), labels: [0], origin: "zeros")))
        let bad = h.error("saliency(net, xs, target: 12)")
        XCTAssertEqual(bad?.kind, .value)
        XCTAssertEqual(bad?.message.components(separatedBy: "aliency").count, 2, bad?.message ?? "")
        let savedLimit = MemoryBudget.shared.limit
        MemoryBudget.shared.limit = MemoryBudget.shared.inUse + 32 << 20
        defer { MemoryBudget.shared.limit = savedLimit }
        XCTAssertEqual(h.error("zeros([4096, 4096])")?.kind, .memory)
    }
}
