import XCTest
@testable import GlassboxEngine

final class TensorLayoutTests: XCTestCase {
    let t = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])

    func testSliceGatherConcatenateStack() throws {
        XCTAssertEqual(try t.slice(batch: 1..<3), Tensor(shape: [2, 2], scalars: [3, 4, 5, 6]))
        XCTAssertEqual(try t.gather(batch: [2, 0, 2]).scalars, [5, 6, 1, 2, 5, 6])
        XCTAssertThrowsError(try t.slice(batch: 2..<4))
        XCTAssertThrowsError(try t.gather(batch: [3]))
        let joined = try Tensor(concatenating: [t, Tensor(shape: [1, 2], scalars: [7, 8])])
        XCTAssertEqual(joined.shape, [4, 2])
        XCTAssertEqual(joined.scalars.last, 8)
        XCTAssertThrowsError(try Tensor(concatenating: [t, Tensor(zeros: [1, 3])]))
        let stacked = try Tensor(stacking: [Tensor(shape: [2], scalars: [1, 2]), Tensor(shape: [2], scalars: [3, 4])])
        XCTAssertEqual(stacked, Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        XCTAssertThrowsError(try Tensor(stacking: []))
    }

    func testPermutations() throws {
        XCTAssertEqual(try t.transposed(), Tensor(shape: [2, 3], scalars: [1, 3, 5, 2, 4, 6]))
        // NHWC [1, 2, 2, 3] → NCHW [1, 3, 2, 2]: element (h, w, c) = 100h + 10w + c.
        var nhwc: [Float] = []
        for h in 0..<2 { for w in 0..<2 { for c in 0..<3 { nhwc.append(Float(100 * h + 10 * w + c)) } } }
        let nchw = try Tensor(shape: [1, 2, 2, 3], scalars: nhwc).permuted([0, 3, 1, 2])
        XCTAssertEqual(nchw.shape, [1, 3, 2, 2])
        XCTAssertEqual(nchw.scalars, [0, 10, 100, 110, 1, 11, 101, 111, 2, 12, 102, 112])
        XCTAssertEqual(try nchw.permuted([0, 2, 3, 1]).scalars, nhwc)
        XCTAssertThrowsError(try t.permuted([0, 0]))
    }
}
