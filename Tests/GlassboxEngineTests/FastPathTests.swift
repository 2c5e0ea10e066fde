import XCTest
@testable import GlassboxEngine

/// The fast paths (SIMD ReLU, 2×2/2 max pooling, batched convolution) against the reference loops.
final class FastPathTests: XCTestCase {
    /// Values on a coarse grid so that ties (and exact zeros) are common.
    func tiedTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        randomTensor(shape, seed: seed, low: -3, high: 3).map { ($0 * 2).rounded() / 2 }
    }

    func testReLUEqualsScalarRuleIncludingTailNaNAndSignedZero() throws {
        for count in [0, 1, 7, 8, 9, 29] {
            var x = randomTensor([count], seed: UInt64(count + 1))
            if count > 3 {
                x.scalars[0] = .nan
                x.scalars[1] = -0.0
                x.scalars[2] = 0
                x.scalars[count - 1] = .nan
            }
            let g = randomTensor([count], seed: UInt64(count + 100))
            let y = Activations.relu(x)
            XCTAssertEqual(y.shape, x.shape)
            for i in 0..<count {
                let expected: Float = x.scalars[i] > 0 ? x.scalars[i] : 0
                XCTAssertEqual(y.scalars[i].bitPattern, expected.bitPattern, "relu at \(i) of \(count)")
            }
            let d = try Activations.reluBackward(input: x, gradient: g)
            for i in 0..<count {
                XCTAssertEqual(d.scalars[i], x.scalars[i] > 0 ? g.scalars[i] : 0, "relu backward at \(i) of \(count)")
            }
        }
        XCTAssertEqual(Activations.relu(Tensor(shape: [2, 2], scalars: [-1, 2, 0, 3])).scalars, [0, 2, 0, 3])
        XCTAssertThrowsError(try Activations.reluBackward(input: Tensor(zeros: [3]), gradient: Tensor(zeros: [4])))
    }

    func testPairwiseMaxPoolEqualsGeneralLoop() throws {
        for (h, w) in [(28, 28), (7, 7), (14, 9), (1, 1), (2, 5), (3, 2)] {
            for padding in [Padding.same, .valid] where padding == .same || (h >= 2 && w >= 2) {
                var x = tiedTensor([3, 2, h, w], seed: UInt64(h * 31 + w))
                x.scalars[0] = .nan
                x.scalars[x.count - 1] = -.infinity
                let g = try Pooling2D.geometry(input: x.shape, window: (2, 2), stride: (2, 2), padding: padding, operation: "t")
                XCTAssertTrue(Pooling2D.isPairwise(g))
                let fast = try Pooling2D.maxForward(x, window: (2, 2), stride: (2, 2), padding: padding)
                let reference = Pooling2D.maxForwardReference(x, g)
                XCTAssertEqual(fast.shape, reference.shape)
                XCTAssertEqual(fast.scalars.map(\.bitPattern), reference.scalars.map(\.bitPattern), "\(h)×\(w) \(padding)")
                let gy = randomTensor(fast.shape, seed: 9)
                let dFast = try Pooling2D.maxBackward(input: x, outputGradient: gy, window: (2, 2), stride: (2, 2),
                                                      padding: padding)
                let dReference = Pooling2D.maxBackwardReference(input: x, outputGradient: gy, g)
                XCTAssertEqual(dFast.scalars, dReference.scalars, "backward \(h)×\(w) \(padding)")
            }
        }
    }

    func testPairwiseMaxPoolTiesGoToFirstCell() throws {
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [5, 5, 5, 5])
        let d = try Pooling2D.maxBackward(input: x, outputGradient: Tensor(shape: [1, 1, 1, 1], scalars: [2]),
                                          window: (2, 2), stride: (2, 2), padding: .valid)
        XCTAssertEqual(d.scalars, [2, 0, 0, 0])
        let y = Tensor(shape: [1, 1, 2, 2], scalars: [1, 3, 3, 2])
        let e = try Pooling2D.maxBackward(input: y, outputGradient: Tensor(shape: [1, 1, 1, 1], scalars: [7]),
                                          window: (2, 2), stride: (2, 2), padding: .valid)
        XCTAssertEqual(e.scalars, [0, 7, 0, 0])
    }

    func testHeapPolicyIsInForceOnGlibc() {
        _ = Tensor(zeros: [1])
        #if canImport(Glibc)
        XCTAssertTrue(HeapPolicy.isApplied, "mallopt refused the thresholds")
        XCTAssertTrue(HeapPolicy.apply())
        #else
        XCTAssertFalse(HeapPolicy.isApplied)
        #endif
    }

    func testIm2colAndCol2imEqualReferenceLoops() throws {
        var cases = 0
        for (h, w) in [(5, 5), (7, 4), (1, 3), (28, 28), (2, 2)] {
            for kernel in [(1, 1), (2, 2), (3, 3), (4, 4), (5, 3)] {
                for stride in [(1, 1), (2, 2), (3, 2)] {
                    for padding in [Padding.same, .valid] {
                        guard let g = try? WindowGeometry(inputHeight: h, inputWidth: w, kernel: kernel, stride: stride,
                                                          padding: padding), g.outputHeight > 0, g.outputWidth > 0 else { continue }
                        cases += 1
                        let channels = 2
                        let x = randomTensor([channels, h, w], seed: UInt64(h * 100 + w + kernel.0 * 7 + stride.0))
                        let rows = channels * kernel.0 * kernel.1, spatial = g.outputHeight * g.outputWidth
                        // One image written into the middle of a wider column block (rowStride > spatial).
                        let rowStride = spatial * 3
                        var fast = [Float](repeating: .nan, count: rows * rowStride)
                        var reference = fast
                        x.scalars.withUnsafeBufferPointer { px in
                            fast.withUnsafeMutableBufferPointer { pf in
                                Convolution2D.im2col(px.baseAddress!, channels: channels, g, pf.baseAddress! + spatial,
                                                     rowStride: rowStride)
                            }
                            reference.withUnsafeMutableBufferPointer { pr in
                                Convolution2D.im2colReference(px.baseAddress!, channels: channels, g, pr.baseAddress! + spatial,
                                                              rowStride: rowStride)
                            }
                        }
                        XCTAssertEqual(fast.map(\.bitPattern), reference.map(\.bitPattern), "im2col \(h)×\(w) \(kernel) \(stride) \(padding)")
                        let cols = randomTensor([rows * rowStride], seed: 5).scalars
                        var dxFast = randomTensor([channels, h, w], seed: 6).scalars
                        var dxReference = dxFast
                        cols.withUnsafeBufferPointer { pc in
                            dxFast.withUnsafeMutableBufferPointer { pd in
                                Convolution2D.col2im(pc.baseAddress! + spatial, channels: channels, g, pd.baseAddress!,
                                                     rowStride: rowStride)
                            }
                            dxReference.withUnsafeMutableBufferPointer { pd in
                                Convolution2D.col2imReference(pc.baseAddress! + spatial, channels: channels, g, pd.baseAddress!,
                                                              rowStride: rowStride)
                            }
                        }
                        XCTAssertEqual(dxFast, dxReference, "col2im \(h)×\(w) \(kernel) \(stride) \(padding)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(cases, 100)
    }

    func testCombinedGradientsEqualSeparateGradients() throws {
        let configurations: [([Int], [Int], (Int, Int), Padding)] = [
            ([5, 3, 9, 8], [4, 3, 3, 3], (1, 1), .same), ([3, 2, 7, 7], [6, 2, 4, 4], (2, 2), .same),
            ([4, 1, 6, 5], [2, 1, 2, 3], (2, 1), .valid), ([2, 3, 5, 5], [3, 3, 1, 1], (1, 1), .valid),
        ]
        for (index, (inputShape, weightShape, stride, padding)) in configurations.enumerated() {
            let x = randomTensor(inputShape, seed: UInt64(10 + index))
            let w = randomTensor(weightShape, seed: UInt64(20 + index))
            let g = try Convolution2D.geometry(input: inputShape, weight: weightShape, stride: stride, padding: padding)
            let gy = randomTensor([inputShape[0], weightShape[0], g.outputHeight, g.outputWidth], seed: UInt64(30 + index))
            let dx = try Convolution2D.inputGradient(outputGradient: gy, weight: w, inputShape: inputShape, stride: stride,
                                                     padding: padding)
            let dw = try Convolution2D.weightGradient(outputGradient: gy, input: x, weightShape: weightShape, stride: stride,
                                                      padding: padding)
            let db = try Convolution2D.biasGradient(outputGradient: gy)
            // Budgets 1 (one image per product), 50 (several chunks) and the default.
            for budget in [1, 50, Convolution2D.columnBudget] {
                let all = try Convolution2D.gradients(outputGradient: gy, input: x, weight: w, stride: stride, padding: padding,
                                                      withBias: true, budget: budget)
                XCTAssertEqual(all.input.shape, inputShape)
                XCTAssertEqual(all.weight.shape, weightShape)
                assertClose(all.input.scalars, dx.scalars, tolerance: 1e-5, "input gradient, case \(index) budget \(budget)")
                assertClose(all.weight.scalars, dw.scalars, tolerance: 1e-5, "weight gradient, case \(index) budget \(budget)")
                assertClose(all.bias?.scalars ?? [], db.scalars, tolerance: 1e-5, "bias gradient, case \(index) budget \(budget)")
            }
            XCTAssertNil(try Convolution2D.gradients(outputGradient: gy, input: x, weight: w, stride: stride, padding: padding,
                                                     withBias: false).bias)
        }
        let x = randomTensor([2, 3, 5, 5], seed: 1), w = randomTensor([4, 3, 3, 3], seed: 2)
        XCTAssertThrowsError(try Convolution2D.gradients(outputGradient: Tensor(zeros: [2, 4, 4, 4]), input: x, weight: w,
                                                         stride: (1, 1), padding: .same, withBias: true))
    }

    func testDropoutMaskDrawsOneUniformPerEntryInOrder() throws {
        var rng = SeededRandom(seed: 77)
        var reference = SeededRandom(seed: 77)
        let mask = try DropoutMask.make(shape: [3, 5, 7], rate: 0.3, rng: &rng)
        let keep: Float = 1 / (1 - 0.3)
        let expected: [Float] = (0..<105).map { _ in reference.nextUniform() < 0.3 ? 0 : keep }
        XCTAssertEqual(mask.scalars, expected)
        // The caller's generator advanced by exactly 105 draws.
        XCTAssertEqual(rng.next(), reference.next())
    }

    /// Sizes above `ParallelLoop`'s threshold, so that the image and plane loops are split over
    /// cores; the results must equal the one-image-at-a-time (serial) paths and the reference pooling.
    func testParallelLoopsGiveTheSerialResults() throws {
        XCTAssertGreaterThanOrEqual(ParallelLoop.width, 1)
        let x = randomTensor([8, 3, 20, 20], seed: 41), w = randomTensor([8, 3, 3, 3], seed: 42)
        let bias = randomTensor([8], seed: 43)
        XCTAssertGreaterThan(5 * 27 * 400, 1 << 15, "chunk of 5 images must exceed the parallel threshold")
        let parallel = try Convolution2D.forward(input: x, weight: w, bias: bias, stride: (1, 1), padding: .same)
        let serial = try Convolution2D.forward(input: x, weight: w, bias: bias, stride: (1, 1), padding: .same, budget: 1)
        assertClose(parallel.scalars, serial.scalars, tolerance: 1e-5, "forward")
        let gy = randomTensor(parallel.shape, seed: 44)
        let p = try Convolution2D.gradients(outputGradient: gy, input: x, weight: w, stride: (1, 1), padding: .same,
                                            withBias: true)
        let q = try Convolution2D.gradients(outputGradient: gy, input: x, weight: w, stride: (1, 1), padding: .same,
                                            withBias: true, budget: 1)
        assertClose(p.input.scalars, q.input.scalars, tolerance: 1e-5, "input gradient")
        assertClose(p.weight.scalars, q.weight.scalars, tolerance: 1e-4, "weight gradient")
        let dx = try Convolution2D.inputGradient(outputGradient: gy, weight: w, inputShape: x.shape, stride: (1, 1),
                                                 padding: .same)
        assertClose(dx.scalars, q.input.scalars, tolerance: 1e-5, "inputGradient")
        let dw = try Convolution2D.weightGradient(outputGradient: gy, input: x, weightShape: w.shape, stride: (1, 1),
                                                  padding: .same)
        assertClose(dw.scalars, q.weight.scalars, tolerance: 1e-4, "weightGradient")

        let planes = tiedTensor([8, 8, 27, 28], seed: 45)
        let g = try Pooling2D.geometry(input: planes.shape, window: (2, 2), stride: (2, 2), padding: .same, operation: "t")
        let pooled = try Pooling2D.maxForward(planes, window: (2, 2), stride: (2, 2), padding: .same)
        XCTAssertEqual(pooled.scalars, Pooling2D.maxForwardReference(planes, g).scalars)
        let pgy = randomTensor(pooled.shape, seed: 46)
        XCTAssertEqual(try Pooling2D.maxBackward(input: planes, outputGradient: pgy, window: (2, 2), stride: (2, 2),
                                                 padding: .same).scalars,
                       Pooling2D.maxBackwardReference(input: planes, outputGradient: pgy, g).scalars)
    }

    func testBiasGradientSumsEachChannelOverBatchAndSpace() throws {
        let gy = randomTensor([3, 4, 5, 7], seed: 51)
        let db = try Convolution2D.biasGradient(outputGradient: gy)
        for ch in 0..<4 {
            var total = 0.0
            for image in 0..<3 { for i in 0..<35 { total += Double(gy.scalars[(image * 4 + ch) * 35 + i]) } }
            XCTAssertEqual(Double(db.scalars[ch]), total, accuracy: 1e-4)
        }
        XCTAssertEqual(try Convolution2D.biasGradient(outputGradient: Tensor(zeros: [2, 3, 0, 4])).scalars, [0, 0, 0])
    }

    func testDropThresholdAgreesWithUniformComparisonAtTheEdges() {
        for rate: Float in [0, 1e-9, 0.1, 0.25, 0.3, 0.5, 0.7, 1 / 3, 0.999_999_9, Float(1).nextDown] {
            let t = DropoutMask.dropThreshold(rate: rate)
            for k in Swift.max(0, t - 3)...Swift.min(t + 3, (1 << 24) - 1) {
                let uniform = Float(k) * (1.0 / Float(1 << 24))
                XCTAssertEqual(k < t, uniform < rate, "rate \(rate), k \(k), threshold \(t)")
            }
        }
    }

    func testPairwiseAveragePoolEqualsGeneralLoop() throws {
        for (n, h, w) in [(3, 28, 28), (3, 7, 7), (2, 14, 9), (1, 1, 1), (2, 3, 2), (8, 27, 28)] {
            for padding in [Padding.same, .valid] where padding == .same || (h >= 2 && w >= 2) {
                let x = tiedTensor([n, 8, h, w], seed: UInt64(h * 13 + w))
                let g = try Pooling2D.geometry(input: x.shape, window: (2, 2), stride: (2, 2), padding: padding, operation: "t")
                let fast = try Pooling2D.averageForward(x, window: (2, 2), stride: (2, 2), padding: padding)
                XCTAssertEqual(fast.scalars.map(\.bitPattern), Pooling2D.averageForwardReference(x, g).scalars.map(\.bitPattern),
                               "\(h)×\(w) \(padding)")
                let gy = randomTensor(fast.shape, seed: 3)
                let d = try Pooling2D.averageBackward(inputShape: x.shape, outputGradient: gy, window: (2, 2), stride: (2, 2),
                                                      padding: padding)
                XCTAssertEqual(d.scalars, Pooling2D.averageBackwardReference(inputShape: x.shape, outputGradient: gy, g).scalars,
                               "backward \(h)×\(w) \(padding)")
            }
        }
    }
}
