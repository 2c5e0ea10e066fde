@testable import GlassboxEngine
import XCTest

/// The sizes `WorkingMemory` reports before an operation runs: at least its result, counted without
/// overflowing, and the operation's own shape errors.
final class WorkingMemoryTests: XCTestCase {
    func testProductsAndSumsSaturateInsteadOfOverflowing() {
        XCTAssertEqual(WorkingMemory.product([50_000, 50_000]), 2_500_000_000)
        XCTAssertEqual(WorkingMemory.product([1 << 40, 1 << 40]), Int.max)
        XCTAssertEqual(WorkingMemory.product([3, -1]), Int.max)
        XCTAssertEqual(WorkingMemory.product([0, Int.max, 5]), 0)
        XCTAssertEqual(WorkingMemory.sum([Int.max, 1]), Int.max)
        XCTAssertEqual(WorkingMemory.bytes(floats: Int.max / 2), Int.max)
        XCTAssertEqual(WorkingMemory.bytes(floats: 10), 40)
    }

    func testConvolutionAndPoolingCountAtLeastTheirResults() throws {
        for (input, weight, stride, padding) in [([2, 3, 9, 7], [4, 3, 3, 3], (1, 1), Padding.same), ([1, 8, 6, 6], [5, 8, 2, 2], (2, 2), .valid),
                                                 ([3, 16, 5, 5], [8, 16, 3, 3], (1, 1), .same)] {
            let x = Tensor(repeating: 0.5, shape: input), w = Tensor(repeating: 0.25, shape: weight)
            let y = try Convolution2D.forward(input: x, weight: w, bias: nil, stride: stride, padding: padding)
            XCTAssertGreaterThanOrEqual(try WorkingMemory.convolution(input: input, weight: weight, stride: stride, padding: padding), y.count)
            let floats = try WorkingMemory.transposedConvolution(weight: weight, inputShape: input, stride: stride, padding: padding)
            XCTAssertGreaterThanOrEqual(floats, x.count)
            let pooled = try Pooling2D.maxForward(x, window: (2, 2), stride: stride, padding: padding)
            XCTAssertEqual(try WorkingMemory.pooling(input: input, window: (2, 2), stride: stride, padding: padding), pooled.count)
        }
        // A 1×1 signal spread back over a 100,000² input: 10¹⁰ values, known before anything is allocated.
        XCTAssertGreaterThanOrEqual(try WorkingMemory.transposedConvolution(weight: [1, 1, 3, 3], inputShape: [1, 1, 100_000, 100_000],
                                                                            stride: (100_000, 100_000), padding: .same), 10_000_000_000)
        // The operation's shape errors come first.
        XCTAssertThrowsError(try WorkingMemory.convolution(input: [1, 2, 5, 5], weight: [3, 1, 3, 3], stride: (1, 1), padding: .same))
        XCTAssertThrowsError(try WorkingMemory.pooling(input: [1, 5, 5], window: (2, 2), stride: (2, 2), padding: .same))
    }
}
