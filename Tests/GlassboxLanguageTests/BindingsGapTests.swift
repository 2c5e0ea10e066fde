import GlassboxEngine
import GlassboxFigures
import GlassboxMethods
import GlassboxModels
@testable import GlassboxLanguage
import XCTest

/// The language gaps the chapter notebooks hit: layer targets for the gradient methods, prototype
/// cost lines, stack/reshaped, title lists, SmoothGrad running averages, and negative zero.
final class BindingsGapTests: XCTestCase {
    private func tensor(_ h: BindingsHarness, _ code: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tensor {
        guard case .tensor(let t) = try h.value(code) else { XCTFail("\(code) is not a tensor", file: file, line: line); return Tensor(zeros: [0]) }
        return t
    }

    private func explanation(_ h: BindingsHarness, _ code: String) throws -> ExplanationValue {
        guard case .object(let e as ExplanationValue) = try h.value(code) else { throw ScriptError(.type, "\(code) is not an Explanation") }
        return e
    }

    // MARK: 6. negative zero

    func testNegativeZeroIsShownAsZero() throws {
        let h = BindingsHarness()
        XCTAssertEqual(h.result("-2.0 * 0.0"), "0.0")
        XCTAssertEqual(h.result("(tensor([-1.0, 1.0]) * 0.0).toList()"), "[0.0, 0.0]")
        XCTAssertEqual(h.result("let a = tensor([[-2, 2], [2, -2]])\n\"\\((a * (a > 0)).toList())\""), "\"[0.0, 2.0, 2.0, 0.0]\"")
        XCTAssertFalse(h.result("tensor([-1.0, 1.0]) * 0.0").contains("-0"))
        // Only the display: the value keeps its sign.
        guard case .double(let zero) = try h.value("-2.0 * 0.0") else { return XCTFail() }
        XCTAssertEqual(zero.sign, .minus)
    }
}
