import XCTest
@testable import GlassboxEngine

final class AffineWarpTests: XCTestCase {
    func testIdentityAndIntegerShiftsAreExact() throws {
        let x = randomTensor([2, 1, 5, 6], seed: 1)
        XCTAssertEqual(try ImageResampling.affineWarp(x, transforms: [.identity, .identity]), x)
        let shift = ImageWarp.about(height: 5, width: 6, degrees: 0, scale: 1, dx: 2, dy: -1)
        let moved = try ImageResampling.affineWarp(x, transforms: [shift, shift])
        XCTAssertEqual(moved, try ImageResampling.translate(x, dx: 2, dy: -1))
    }

    func testAQuarterTurnByHand() throws {
        // 3×3, rotated 90° counter-clockwise on screen about the centre: the top row becomes the left column.
        let x = Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let turned = try ImageResampling.affineWarp(x, transforms: [.about(height: 3, width: 3, degrees: 90, scale: 1, dx: 0, dy: 0)])
        assertClose(turned.scalars, [3, 6, 9, 2, 5, 8, 1, 4, 7], tolerance: 1e-5)
        // Doubling the size about the centre: the centre pixel stays, its neighbours are halfway.
        let doubled = try ImageResampling.affineWarp(x, transforms: [.about(height: 3, width: 3, degrees: 0, scale: 2, dx: 0, dy: 0)])
        assertClose([doubled.scalars[4], doubled.scalars[5], doubled.scalars[1]], [5, 5.5, 3.5], tolerance: 1e-5)
    }

    func testTheAdjointIsTheTranspose() throws {
        let x = randomTensor([3, 2, 7, 8], seed: 2)
        let transforms = [ImageWarp.about(height: 7, width: 8, degrees: 12, scale: 1.1, dx: 0.5, dy: -1.25),
                          ImageWarp.about(height: 7, width: 8, degrees: -30, scale: 0.9, dx: 2, dy: 1),
                          ImageWarp.identity]
        let g = randomTensor(x.shape, seed: 3)
        let forward = try ImageResampling.affineWarp(x, transforms: transforms)
        let back = try ImageResampling.affineWarpAdjoint(g, transforms: transforms)
        XCTAssertEqual(dot(forward, g), dot(x, back), accuracy: 1e-4)
    }

    func testBadInputsThrow() {
        XCTAssertThrowsError(try ImageResampling.affineWarp(Tensor(zeros: [2, 3, 3]), transforms: [.identity, .identity]))
        XCTAssertThrowsError(try ImageResampling.affineWarp(Tensor(zeros: [2, 1, 3, 3]), transforms: [.identity]))
        let broken = ImageWarp(a: .nan, b: 0, c: 0, d: 0, e: 1, f: 0)
        XCTAssertThrowsError(try ImageResampling.affineWarpAdjoint(Tensor(zeros: [1, 1, 3, 3]), transforms: [broken]))
    }
}
