import XCTest
@testable import GlassboxEngine

final class ResamplingTests: XCTestCase {
    func testAlignCornersResizeTwoToThreeByHand() throws {
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [0, 1, 2, 3])
        let y = try ImageResampling.resizeBilinear(x, height: 3, width: 3)
        XCTAssertEqual(y.scalars, [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3])
        // Corners map onto corners for any size.
        let big = try ImageResampling.resizeBilinear(randomTensor([2, 3, 4, 5], seed: 3), height: 28, width: 17)
        let src = randomTensor([2, 3, 4, 5], seed: 3)
        XCTAssertEqual(big.scalars[0], src.scalars[0])
        XCTAssertEqual(big.scalars[27 * 17 + 16], src.scalars[19])
        XCTAssertThrowsError(try ImageResampling.resizeBilinear(x, height: 0, width: 3))
    }

    func testResizeAdjoint() throws {
        let x = randomTensor([2, 2, 4, 5], seed: 4)
        let y = try ImageResampling.resizeBilinear(x, height: 10, width: 7)
        let gy = randomTensor(y.shape, seed: 5)
        let dx = try ImageResampling.resizeBilinearAdjoint(gy, inputShape: x.shape)
        XCTAssertEqual(dot(y, gy), dot(x, dx), accuracy: 1e-4)
    }

    func testIntegerTranslationIsExactShiftWithZeroFill() throws {
        let x = randomTensor([2, 1, 5, 6], seed: 6, low: 0.1, high: 1)
        let y = try ImageResampling.translate(x, dx: 2, dy: -1)
        for p in 0..<2 {
            for r in 0..<5 {
                for c in 0..<6 {
                    let sr = r + 1, sc = c - 2
                    let expected: Float = (sr < 5 && sc >= 0) ? x.scalars[p * 30 + sr * 6 + sc] : 0
                    XCTAssertEqual(y.scalars[p * 30 + r * 6 + c], expected)
                }
            }
        }
        XCTAssertEqual(try ImageResampling.translate(x, dx: 0, dy: 0), x)
    }

    func testHalfPixelTranslationByHand() throws {
        let x = Tensor(shape: [1, 1, 1, 3], scalars: [0, 2, 4])
        // out(c) = in(c − 0.5): ½·in(c − 1) + ½·in(c), with in(−1) = 0.
        XCTAssertEqual(try ImageResampling.translate(x, dx: 0.5, dy: 0).scalars, [0, 1, 3])
        XCTAssertEqual(try ImageResampling.translate(x, dx: -0.25, dy: 0).scalars, [0.5, 2.5, 3])
        XCTAssertThrowsError(try ImageResampling.translate(x, dx: .nan, dy: 0))
    }
}
