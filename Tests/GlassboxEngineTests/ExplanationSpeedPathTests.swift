import XCTest
@testable import GlassboxEngine

/// The paths explanation passes take for speed: bulk Gaussian noise and wide im2col blocks for
/// convolutions with few rows per column. Both must give exactly what the simple paths give.
final class ExplanationSpeedPathTests: XCTestCase {
    /// `fillGaussian` returns the very values of repeated `nextGaussian()` calls, whatever the
    /// block lengths (odd lengths leave a spare value for the next call) and leaves the same state.
    func testFillGaussianEqualsRepeatedNextGaussian() {
        var one = SeededRandom(seed: 42), bulk = SeededRandom(seed: 42)
        for length in [0, 1, 2, 3, 7, 784, 5, 1, 1, 10] {
            let expected = (0..<length).map { _ in one.nextGaussian() }
            var got = [Float](repeating: .nan, count: length)
            got.withUnsafeMutableBufferPointer { bulk.fillGaussian($0) }
            XCTAssertEqual(got, expected, "block of \(length)")
            // Interleave single draws so that blocks also start on a spare value.
            XCTAssertEqual(bulk.nextGaussian(), one.nextGaussian(), "single draw after a block of \(length)")
        }
        XCTAssertEqual(bulk.next(), one.next(), "generator state after the blocks")
        // The values are standard normal: mean ≈ 0, variance ≈ 1 over 100 000 draws.
        var values = [Float](repeating: 0, count: 100_000)
        values.withUnsafeMutableBufferPointer { bulk.fillGaussian($0) }
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
    }

    /// A 1-channel 3×3 convolution (9 rows per column) takes many 28×28 images per block by
    /// default, where a fixed 2048-column budget took two; deep convolutions keep 2048 columns.
    func testDefaultBlocksGrowWhenColumnsAreShort() {
        XCTAssertEqual(Convolution2D.chunkSize(images: 128, spatial: 784, budget: nil, rows: 9), 83)
        XCTAssertEqual(Convolution2D.chunkSize(images: 128, spatial: 784, budget: 2048, rows: 9), 2)
        XCTAssertEqual(Convolution2D.chunkSize(images: 128, spatial: 196, budget: nil, rows: 288), 10)
        XCTAssertEqual(Convolution2D.chunkSize(images: 128, spatial: 49, budget: nil, rows: 576), 41)
        XCTAssertEqual(Convolution2D.chunkSize(images: 5, spatial: 784, budget: nil, rows: 9), 5)
    }

    /// The default (wide) blocks give the same forward output and gradients as one image at a time.
    func testWideDefaultBlocksMatchOneImageAtATime() throws {
        let x = randomTensor([12, 1, 28, 28], seed: 71)
        let w = randomTensor([8, 1, 3, 3], seed: 72)
        let b = randomTensor([8], seed: 73)
        let wide = try Convolution2D.forward(input: x, weight: w, bias: b, stride: (1, 1), padding: .same)
        let one = try Convolution2D.forward(input: x, weight: w, bias: b, stride: (1, 1), padding: .same, budget: 1)
        assertClose(wide.scalars, one.scalars, tolerance: 1e-6)
        let gy = randomTensor(one.shape, seed: 74)
        let dxWide = try Convolution2D.inputGradient(outputGradient: gy, weight: w, inputShape: x.shape, stride: (1, 1),
                                                     padding: .same)
        let dxOne = try Convolution2D.inputGradient(outputGradient: gy, weight: w, inputShape: x.shape, stride: (1, 1),
                                                    padding: .same, budget: 1)
        assertClose(dxWide.scalars, dxOne.scalars, tolerance: 1e-6)
        let all = try Convolution2D.gradients(outputGradient: gy, input: x, weight: w, stride: (1, 1), padding: .same,
                                              withBias: true)
        let dwOne = try Convolution2D.weightGradient(outputGradient: gy, input: x, weightShape: w.shape, stride: (1, 1),
                                                     padding: .same, budget: 1)
        assertClose(all.input.scalars, dxOne.scalars, tolerance: 1e-6)
        assertClose(all.weight.scalars, dwOne.scalars, tolerance: 1e-4)
        // Adjoint identity ⟨x, ∂/∂x⟩ = ⟨conv(x) − b, gy⟩ ties the wide blocks to the forward map.
        XCTAssertEqual(dot(x, dxWide), dot(wide, gy) - dot(b, try Convolution2D.biasGradient(outputGradient: gy)),
                       accuracy: 1e-2)
    }
}
