import XCTest
@testable import GlassboxEngine

final class MatrixAndReductionTests: XCTestCase {
    func testMatmulByHand() throws {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        XCTAssertEqual(try MatrixProduct.matmul(a, b).scalars, [58, 64, 139, 154])
        // aᵀ·a is 3×3.
        XCTAssertEqual(try MatrixProduct.matmul(a, a, transposeA: true).scalars, [17, 22, 27, 22, 29, 36, 27, 36, 45])
        // a·aᵀ is 2×2.
        XCTAssertEqual(try MatrixProduct.matmul(a, a, transposeB: true).scalars, [14, 32, 32, 77])
    }

    func testMatmulTransposesMatchNaive() throws {
        let a = randomTensor([5, 7], seed: 1)
        let b = randomTensor([4, 7], seed: 2)
        let product = try MatrixProduct.matmul(a, b, transposeB: true)
        XCTAssertEqual(product.shape, [5, 4])
        for i in 0..<5 {
            for j in 0..<4 {
                var s: Float = 0
                for k in 0..<7 { s += a.scalars[i * 7 + k] * b.scalars[j * 7 + k] }
                XCTAssertEqual(product.scalars[i * 4 + j], s, accuracy: 1e-5)
            }
        }
        // Both transposes at once: (aᵀ)ᵀ·bᵀ = a·bᵀ.
        let at = Tensor(shape: [7, 5], scalars: (0..<35).map { a.scalars[($0 % 5) * 7 + $0 / 5] })
        let both = try MatrixProduct.matmul(at, b, transposeA: true, transposeB: true)
        assertClose(both.scalars, product.scalars)
        XCTAssertThrowsError(try MatrixProduct.matmul(a, b))  // 7 ≠ 4
    }

    func testMatmulRejectsBadShapes() {
        XCTAssertThrowsError(try MatrixProduct.matmul(Tensor(zeros: [2, 3]), Tensor(zeros: [2, 3]))) { error in
            XCTAssertTrue("\(error)".contains("matmul"))
        }
        XCTAssertThrowsError(try MatrixProduct.matmul(Tensor(zeros: [2]), Tensor(zeros: [2, 3])))
    }

    func testReductionsAlongAxes() throws {
        let t = Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])
        XCTAssertEqual(try t.sum(alongAxis: 0).scalars, [5, 7, 9])
        XCTAssertEqual(try t.sum(alongAxis: 1).scalars, [9, 12])
        XCTAssertEqual(try t.mean(alongAxis: 1).scalars, [3, 4])
        XCTAssertEqual(try t.max(alongAxis: 0).scalars, [4, 5, 6])
        XCTAssertEqual(try t.argmax(alongAxis: 1), [1, 2])
        XCTAssertEqual(try t.argmax(alongAxis: 0), [1, 0, 1])
        XCTAssertEqual(t.sum(), 21)
        XCTAssertEqual(t.mean(), 3.5)
        XCTAssertEqual(t.max(), 6)
        XCTAssertEqual(t.min(), 1)
        XCTAssertThrowsError(try t.sum(alongAxis: 2))
        let cube = Tensor(shape: [2, 2, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(try cube.sum(alongAxis: 1).scalars, [4, 6, 12, 14])
        XCTAssertEqual(try cube.sum(alongAxis: 1).shape, [2, 2])
    }

    func testPerChannelBroadcast() throws {
        let x = Tensor(shape: [2, 2, 1, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        let b = Tensor(shape: [2], scalars: [10, 100])
        XCTAssertEqual(try x.addingPerChannel(b).scalars, [11, 12, 103, 104, 15, 16, 107, 108])
        XCTAssertEqual(try x.multiplyingPerChannel(b).scalars, [10, 20, 300, 400, 50, 60, 700, 800])
        XCTAssertThrowsError(try x.addingPerChannel(Tensor(zeros: [3])))
        XCTAssertThrowsError(try x.adding(Tensor(zeros: [8])))
    }
}
