import XCTest

@testable import GlassboxKernel

final class ExecutionHistoryTests: XCTestCase {
    func history() -> ExecutionHistory {
        var history = ExecutionHistory(session: 1)
        for (line, input) in ["let x = 3", "6 * 7", "print(x)", "6 * 7", "6 * 8", "x"].enumerated() {
            history.record(line: line + 1, input: input)
        }
        history.setOutput("42", line: 2)
        return history
    }

    func testTail() {
        XCTAssertEqual(history().tail(2).map(\.input), ["6 * 8", "x"])
        XCTAssertEqual(history().tail(100).count, 6)
        XCTAssertEqual(history().tail(0), [])
    }

    func testRange() {
        XCTAssertEqual(history().range(session: 1, start: 2, stop: 4).map(\.line), [2, 3])
        XCTAssertEqual(history().range(session: 0, start: 5, stop: nil).map(\.line), [5, 6])
        XCTAssertEqual(history().range(session: -1, start: 1, stop: nil), [])
        XCTAssertEqual(history().range(session: 2, start: 1, stop: nil), [])
        XCTAssertEqual(history().range(session: 1, start: 2, stop: 3).first?.output, "42")
    }

    func testSearch() {
        XCTAssertEqual(history().search(pattern: "6 *", n: nil, unique: false).map(\.line), [2, 4, 5])
        XCTAssertEqual(history().search(pattern: "6 \\* 7", n: nil, unique: false).map(\.line), [])
        XCTAssertEqual(history().search(pattern: "6 ? 7", n: nil, unique: false).map(\.line), [2, 4])
        XCTAssertEqual(history().search(pattern: "6 * 7", n: nil, unique: true).map(\.line), [4])
        XCTAssertEqual(history().search(pattern: "6 *", n: 2, unique: false).map(\.line), [4, 5])
        XCTAssertEqual(history().search(pattern: "*", n: nil, unique: true).count, 5)
        XCTAssertEqual(history().search(pattern: "print*", n: nil, unique: false).map(\.line), [3])
        XCTAssertEqual(history().search(pattern: "PRINT*", n: nil, unique: false), [])  // GLOB is case-sensitive
    }

    func testGlob() {
        XCTAssertTrue(GlobPattern("a*c").matches("abbbc"))
        XCTAssertTrue(GlobPattern("a*c").matches("ac"))
        XCTAssertFalse(GlobPattern("a*c").matches("abcd"))
        XCTAssertTrue(GlobPattern("*").matches(""))
        XCTAssertFalse(GlobPattern("?").matches(""))
        XCTAssertTrue(GlobPattern("[a-c]x").matches("bx"))
        XCTAssertFalse(GlobPattern("[a-c]x").matches("dx"))
        XCTAssertTrue(GlobPattern("[^a-c]x").matches("dx"))
        XCTAssertFalse(GlobPattern("[^a-c]x").matches("ax"))
        XCTAssertTrue(GlobPattern("[]]").matches("]"))
        XCTAssertTrue(GlobPattern("a[").matches("a["))
        XCTAssertTrue(GlobPattern("*b*b*").matches("abcabc"))
        XCTAssertFalse(GlobPattern("*b*b*b*").matches("abcabc"))
    }
}
