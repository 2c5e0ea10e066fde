import XCTest
@testable import GlassboxEngine

final class ConvolutionTests: XCTestCase {
    /// Straight loops over the definition, padding by explicit bounds checks.
    func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: WindowGeometry) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        var out = Tensor(zeros: [n, o, g.outputHeight, g.outputWidth])
        for i in 0..<n {
            for oc in 0..<o {
                for y in 0..<g.outputHeight {
                    for xx in 0..<g.outputWidth {
                        var s = Double(b?.scalars[oc] ?? 0)
                        for ic in 0..<c {
                            for ki in 0..<kh {
                                for kj in 0..<kw {
                                    let iy = y * g.strideHeight - g.padTop + ki
                                    let ix = xx * g.strideWidth - g.padLeft + kj
                                    guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                    s += Double(x.scalars[((i * c + ic) * h + iy) * wd + ix])
                                        * Double(w.scalars[((oc * c + ic) * kh + ki) * kw + kj])
                                }
                            }
                        }
                        out.scalars[((i * o + oc) * g.outputHeight + y) * g.outputWidth + xx] = Float(s)
                    }
                }
            }
        }
        return out
    }

    func testTensorFlowSameGeometryByHand() throws {
        let pool = try WindowGeometry(inputHeight: 7, inputWidth: 7, kernel: (2, 2), stride: (2, 2), padding: .same)
        XCTAssertEqual([pool.outputHeight, pool.outputWidth, pool.padTop, pool.padBottom, pool.padLeft, pool.padRight],
                       [4, 4, 0, 1, 0, 1])
        let conv28 = try WindowGeometry(inputHeight: 28, inputWidth: 28, kernel: (4, 4), stride: (2, 2), padding: .same)
        XCTAssertEqual([conv28.outputHeight, conv28.padTop, conv28.padBottom, conv28.padLeft, conv28.padRight], [14, 1, 1, 1, 1])
        let conv14 = try WindowGeometry(inputHeight: 14, inputWidth: 14, kernel: (4, 4), stride: (2, 2), padding: .same)
        XCTAssertEqual([conv14.outputHeight, conv14.padTop, conv14.padBottom], [7, 1, 1])
        let conv3 = try WindowGeometry(inputHeight: 28, inputWidth: 28, kernel: (3, 3), stride: (1, 1), padding: .same)
        XCTAssertEqual([conv3.outputHeight, conv3.padTop, conv3.padBottom], [28, 1, 1])
        let pool28 = try WindowGeometry(inputHeight: 28, inputWidth: 28, kernel: (2, 2), stride: (2, 2), padding: .same)
        XCTAssertEqual([pool28.outputHeight, pool28.padTop, pool28.padBottom], [14, 0, 0])
        let valid = try WindowGeometry(inputHeight: 10, inputWidth: 10, kernel: (10, 10), stride: (1, 1), padding: .valid)
        XCTAssertEqual([valid.outputHeight, valid.outputWidth], [1, 1])
        let valid2 = try WindowGeometry(inputHeight: 7, inputWidth: 8, kernel: (3, 2), stride: (2, 3), padding: .valid)
        XCTAssertEqual([valid2.outputHeight, valid2.outputWidth], [3, 3])
        XCTAssertThrowsError(try WindowGeometry(inputHeight: 3, inputWidth: 3, kernel: (4, 4), stride: (1, 1), padding: .valid))
        XCTAssertThrowsError(try WindowGeometry(inputHeight: 3, inputWidth: 3, kernel: (0, 4), stride: (1, 1), padding: .same))
    }

    /// 4×4 image x[i][j] = 4i + j, 4×4 kernel of ones, stride 2, SAME: pads one on every side, so
    /// each output sums a 3×3 block of real cells.
    func testStrideTwoSameConvolutionByHand() throws {
        let x = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
        let w = Tensor(repeating: 1, shape: [1, 1, 4, 4])
        let y = try Convolution2D.forward(input: x, weight: w, bias: nil, stride: (2, 2), padding: .same)
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.scalars, [45, 54, 81, 90])
        let b = Tensor(shape: [1], scalars: [0.5])
        XCTAssertEqual(try Convolution2D.forward(input: x, weight: w, bias: b, stride: (2, 2), padding: .same).scalars,
                       [45.5, 54.5, 81.5, 90.5])
    }

    /// 28×28 with a 4×4 kernel, stride 2, SAME equals VALID on the image zero-padded by one on every
    /// side (30×30 → 14×14), independently of the geometry code's padding split.
    func testTwentyEightToFourteenPadsOneOnEachSide() throws {
        let x = randomTensor([2, 2, 28, 28], seed: 60)
        let w = randomTensor([3, 2, 4, 4], seed: 61)
        var padded = Tensor(zeros: [2, 2, 30, 30])
        for p in 0..<4 {
            for r in 0..<28 {
                for c in 0..<28 { padded.scalars[p * 900 + (r + 1) * 30 + c + 1] = x.scalars[p * 784 + r * 28 + c] }
            }
        }
        let same = try Convolution2D.forward(input: x, weight: w, bias: nil, stride: (2, 2), padding: .same)
        let valid = try Convolution2D.forward(input: padded, weight: w, bias: nil, stride: (2, 2), padding: .valid)
        XCTAssertEqual(same.shape, [2, 3, 14, 14])
        assertClose(same.scalars, valid.scalars, tolerance: 1e-5)
    }

    func testForwardMatchesNaiveForAllKernelsStridesAndPaddings() throws {
        var seed: UInt64 = 10
        for k in 1...5 {
            for s in 1...2 {
                for padding in Padding.allCases {
                    for (kh, kw) in [(k, k), (k, max(1, k - 1))] {
                        seed += 1
                        let x = randomTensor([2, 3, 9, 8], seed: seed)
                        let w = randomTensor([4, 3, kh, kw], seed: seed + 1000)
                        let b = randomTensor([4], seed: seed + 2000)
                        let g = try Convolution2D.geometry(input: x.shape, weight: w.shape, stride: (s, s), padding: padding)
                        let fast = try Convolution2D.forward(input: x, weight: w, bias: b, stride: (s, s), padding: padding)
                        let slow = naiveConv(x, w, b, g)
                        XCTAssertEqual(fast.shape, slow.shape)
                        assertClose(fast.scalars, slow.scalars, tolerance: 1e-4, "k \(kh)×\(kw) s \(s) \(padding)")
                    }
                }
            }
        }
    }

    /// The input and weight gradients are the adjoints of the (bilinear) convolution:
    /// ⟨conv(x, w), g⟩ = ⟨x, ∂x(g)⟩ = ⟨w, ∂w(g)⟩.
    func testBackwardPassesAreAdjoints() throws {
        var seed: UInt64 = 500
        for k in 1...5 {
            for s in 1...2 {
                for padding in Padding.allCases {
                    seed += 3
                    let x = randomTensor([3, 2, 8, 7], seed: seed)
                    let w = randomTensor([5, 2, k, k], seed: seed + 1)
                    let y = try Convolution2D.forward(input: x, weight: w, bias: nil, stride: (s, s), padding: padding)
                    let gy = randomTensor(y.shape, seed: seed + 2)
                    let dx = try Convolution2D.inputGradient(outputGradient: gy, weight: w, inputShape: x.shape,
                                                             stride: (s, s), padding: padding)
                    let dw = try Convolution2D.weightGradient(outputGradient: gy, input: x, weightShape: w.shape,
                                                              stride: (s, s), padding: padding)
                    let lhs = dot(y, gy)
                    XCTAssertEqual(dot(x, dx), lhs, accuracy: 1e-3 * max(1, abs(lhs)), "input k\(k) s\(s) \(padding)")
                    XCTAssertEqual(dot(w, dw), lhs, accuracy: 1e-3 * max(1, abs(lhs)), "weight k\(k) s\(s) \(padding)")
                }
            }
        }
    }

    /// Several images share one im2col matrix; uneven chunks (7 images, 3 per chunk) must give the
    /// same results as one image at a time and as the naive loops.
    func testChunkedBatchesMatchPerImage() throws {
        for (s, padding) in [(1, Padding.same), (2, Padding.same), (2, Padding.valid)] {
            let x = randomTensor([7, 3, 6, 5], seed: 900 + UInt64(s))
            let w = randomTensor([4, 3, 3, 3], seed: 901)
            let b = randomTensor([4], seed: 902)
            let g = try Convolution2D.geometry(input: x.shape, weight: w.shape, stride: (s, s), padding: padding)
            let spatial = g.outputHeight * g.outputWidth
            let one = try Convolution2D.forward(input: x, weight: w, bias: b, stride: (s, s), padding: padding, budget: 1)
            let chunked = try Convolution2D.forward(input: x, weight: w, bias: b, stride: (s, s), padding: padding,
                                                    budget: 3 * spatial)
            assertClose(one.scalars, naiveConv(x, w, b, g).scalars, tolerance: 1e-4)
            assertClose(chunked.scalars, one.scalars, tolerance: 1e-5)
            let gy = randomTensor(one.shape, seed: 903)
            let dxOne = try Convolution2D.inputGradient(outputGradient: gy, weight: w, inputShape: x.shape, stride: (s, s),
                                                        padding: padding, budget: 1)
            let dxChunk = try Convolution2D.inputGradient(outputGradient: gy, weight: w, inputShape: x.shape, stride: (s, s),
                                                          padding: padding, budget: 3 * spatial)
            assertClose(dxChunk.scalars, dxOne.scalars, tolerance: 1e-5)
            XCTAssertEqual(dot(x, dxOne), dot(one, gy) - dot(b, try Convolution2D.biasGradient(outputGradient: gy)),
                           accuracy: 1e-3)
            let dwOne = try Convolution2D.weightGradient(outputGradient: gy, input: x, weightShape: w.shape, stride: (s, s),
                                                         padding: padding, budget: 1)
            let dwChunk = try Convolution2D.weightGradient(outputGradient: gy, input: x, weightShape: w.shape, stride: (s, s),
                                                           padding: padding, budget: 3 * spatial)
            assertClose(dwChunk.scalars, dwOne.scalars, tolerance: 1e-4)
            XCTAssertEqual(dot(w, dwOne), dot(x, dxOne), accuracy: 1e-3)
        }
    }

    /// The direct convolution (no im2col matrix) computes the im2col product's fused multiply-add
    /// chains, so the two paths agree bit for bit on every kernel; the direct input gradient (stride
    /// 1, ≥ 8 channels) is the adjoint of the forward map and matches col2im to rounding.
    func testDirectConvolutionEqualsTheIm2colProductBitForBit() throws {
        defer { UniformProduct.use(nil) }
        let cases: [([Int], [Int], Int, Padding)] = [
            ([3, 1, 28, 28], [32, 1, 3, 3], 1, .same), ([2, 9, 14, 13], [20, 9, 3, 3], 1, .same),
            ([2, 16, 7, 7], [40, 16, 3, 3], 1, .same), ([3, 5, 9, 7], [13, 5, 5, 5], 2, .same),
            ([2, 3, 8, 8], [10, 3, 4, 4], 2, .same), ([2, 8, 6, 6], [3, 8, 3, 3], 1, .valid), ([1, 2, 5, 6], [4, 2, 2, 3], 1, .valid),
        ]
        for kernel in UniformProduct.Kernel.allCases where kernel.isSupported {
            UniformProduct.use(kernel)
            for (index, (xShape, wShape, s, padding)) in cases.enumerated() {
                let x = randomTensor(xShape, seed: 1000 + UInt64(index)).map { ($0 * 4).rounded() / 4 }
                let w = randomTensor(wShape, seed: 1100 + UInt64(index))
                let b = randomTensor([wShape[0]], seed: 1200 + UInt64(index))
                let g0 = try Convolution2D.geometry(input: x.shape, weight: w.shape, stride: (s, s), padding: padding)
                let direct = Convolution2D.direct(input: x, weight: w, bias: b, geometry: g0)
                let im2col = try Convolution2D.forward(input: x, weight: w, bias: b, stride: (s, s), padding: padding, budget: 1)
                XCTAssertEqual(direct.shape, im2col.shape)
                XCTAssertTrue(direct.scalars.elementsEqual(im2col.scalars, by: { $0.bitPattern == $1.bitPattern }),
                              "\(kernel) \(xShape) \(wShape) s\(s) \(padding)")
                let gy = randomTensor(direct.shape, seed: 1300 + UInt64(index))
                let dx = try Convolution2D.inputGradient(outputGradient: gy, weight: w, inputShape: x.shape, stride: (s, s),
                                                         padding: padding)
                let col2im = try Convolution2D.inputGradient(outputGradient: gy, weight: w, inputShape: x.shape, stride: (s, s),
                                                             padding: padding, budget: 1)
                assertClose(dx.scalars, col2im.scalars, tolerance: 1e-5)
                let g = try Convolution2D.geometry(input: x.shape, weight: w.shape, stride: (s, s), padding: padding)
                XCTAssertEqual(Convolution2D.usesDirectInputGradient(g, channels: xShape[1], outputChannels: wShape[0]), s == 1 && xShape[1] >= 8)
            }
        }
    }

    func testVeryLargeImagesTakeTheIm2colPath() throws {
        let g = try Convolution2D.geometry(input: [1, 64, 600, 600], weight: [64, 64, 3, 3], stride: (1, 1), padding: .same)
        XCTAssertFalse(Convolution2D.usesDirectForward(g, channels: 64, outputChannels: 64))
        XCTAssertFalse(Convolution2D.usesDirectInputGradient(g, channels: 64, outputChannels: 64))
        let small = try Convolution2D.geometry(input: [1, 64, 14, 14], weight: [64, 64, 3, 3], stride: (1, 1), padding: .same)
        XCTAssertTrue(Convolution2D.usesDirectForward(small, channels: 64, outputChannels: 64))
        XCTAssertTrue(Convolution2D.usesDirectInputGradient(small, channels: 64, outputChannels: 64))
    }

    func testInputGradientByHandIsTransposedConvolution() throws {
        // 1×1 input channel, 3×3 image, 2×2 kernel [[1,2],[3,4]], VALID, stride 1: output 2×2.
        // A unit gradient at output (0,0) spreads the kernel over input rows 0–1, cols 0–1.
        let w = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let gy = Tensor(shape: [1, 1, 2, 2], scalars: [1, 0, 0, 1])
        let dx = try Convolution2D.inputGradient(outputGradient: gy, weight: w, inputShape: [1, 1, 3, 3],
                                                 stride: (1, 1), padding: .valid)
        XCTAssertEqual(dx.scalars, [1, 2, 0, 3, 5, 2, 0, 3, 4])
        let db = try Convolution2D.biasGradient(outputGradient: Tensor(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 4]))
        XCTAssertEqual(db.scalars, [10])
    }

    func testShapeErrorsAreThrownNotCrashes() {
        XCTAssertThrowsError(try Convolution2D.forward(input: Tensor(zeros: [1, 2, 5, 5]), weight: Tensor(zeros: [3, 1, 3, 3]),
                                                       bias: nil, stride: (1, 1), padding: .same)) { error in
            XCTAssertTrue("\(error)".contains("conv2d"), "\(error)")
        }
        XCTAssertThrowsError(try Convolution2D.forward(input: Tensor(zeros: [2, 5, 5]), weight: Tensor(zeros: [3, 1, 3, 3]),
                                                       bias: nil, stride: (1, 1), padding: .same))
        XCTAssertThrowsError(try Convolution2D.forward(input: Tensor(zeros: [1, 1, 5, 5]), weight: Tensor(zeros: [3, 1, 3, 3]),
                                                       bias: Tensor(zeros: [2]), stride: (1, 1), padding: .same))
        XCTAssertThrowsError(try Convolution2D.inputGradient(outputGradient: Tensor(zeros: [1, 3, 4, 4]),
                                                             weight: Tensor(zeros: [3, 1, 3, 3]), inputShape: [1, 1, 5, 5],
                                                             stride: (1, 1), padding: .same))
    }

    /// The uniform weight gradient (the one PatternNet's statistics use) sums the same terms as
    /// training's OpenBLAS one, over batches that take several chunks, and gives the same bits when
    /// run again.
    func testUniformWeightGradientAgreesWithTrainingsAndRepeatsExactly() throws {
        let x = randomTensor([40, 3, 12, 12], seed: 71)
        let gy = randomTensor([40, 5, 12, 12], seed: 72)
        let reference = try Convolution2D.weightGradient(outputGradient: gy, input: x, weightShape: [5, 3, 3, 3],
                                                         stride: (1, 1), padding: .same)
        let uniform = try Convolution2D.weightGradient(outputGradient: gy, input: x, weightShape: [5, 3, 3, 3],
                                                       stride: (1, 1), padding: .same, uniform: true)
        let again = try Convolution2D.weightGradient(outputGradient: gy, input: x, weightShape: [5, 3, 3, 3],
                                                     stride: (1, 1), padding: .same, uniform: true)
        XCTAssertEqual(uniform.scalars, again.scalars)
        let scale = reference.scalars.map(abs).max()!
        for (a, b) in zip(uniform.scalars, reference.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5 * scale) }
    }
}
