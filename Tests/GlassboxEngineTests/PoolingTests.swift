import XCTest
@testable import GlassboxEngine

final class PoolingTests: XCTestCase {
    let ramp = Tensor(shape: [1, 1, 7, 7], scalars: (0..<49).map(Float.init))

    func testMaxPoolSevenToFourByHand() throws {
        let y = try Pooling2D.maxForward(ramp, window: (2, 2), stride: (2, 2), padding: .same)
        XCTAssertEqual(y.shape, [1, 1, 4, 4])
        // Window (r, c) covers rows 2r…min(2r+1, 6) and columns 2c…min(2c+1, 6).
        var expected: [Float] = []
        for r in 0..<4 {
            for c in 0..<4 {
                let value: Int = min(2 * r + 1, 6) * 7 + min(2 * c + 1, 6)
                expected.append(Float(value))
            }
        }
        XCTAssertEqual(y.scalars, expected)
        // With negative values the padding must not win (it would give 0).
        let negative = try Pooling2D.maxForward(ramp.map { -$0 - 1 }, window: (2, 2), stride: (2, 2), padding: .same)
        XCTAssertEqual(negative.scalars[15], -49)
        XCTAssertEqual(negative.scalars[3], -7)  // row 0–1, column 6: max(−7, −14)
    }

    func testAveragePoolSevenToFourCountsOnlyRealCells() throws {
        let y = try Pooling2D.averageForward(ramp, window: (2, 2), stride: (2, 2), padding: .same)
        XCTAssertEqual(y.shape, [1, 1, 4, 4])
        XCTAssertEqual(y.scalars[0], 4)      // (0 + 1 + 7 + 8) / 4
        XCTAssertEqual(y.scalars[3], 9.5)    // (6 + 13) / 2
        XCTAssertEqual(y.scalars[12], 42.5)  // (42 + 43) / 2
        XCTAssertEqual(y.scalars[15], 48)    // the corner alone
        let valid = try Pooling2D.averageForward(ramp, window: (2, 2), stride: (2, 2), padding: .valid)
        XCTAssertEqual(valid.shape, [1, 1, 3, 3])
        XCTAssertEqual(valid.scalars[8], (32 + 33 + 39 + 40) / 4)
    }

    func testMaxPoolBackwardRoutesToSwitches() throws {
        let x = Tensor(shape: [1, 1, 2, 3], scalars: [1, 9, 3, 4, 2, 8])
        // SAME 2×2/2 on 2×3 → 1×2: windows {1,9,4,2} and {3,8} (right column padded).
        let y = try Pooling2D.maxForward(x, window: (2, 2), stride: (2, 2), padding: .same)
        XCTAssertEqual(y.scalars, [9, 8])
        let dx = try Pooling2D.maxBackward(input: x, outputGradient: Tensor(shape: [1, 1, 1, 2], scalars: [5, 7]),
                                           window: (2, 2), stride: (2, 2), padding: .same)
        XCTAssertEqual(dx.scalars, [0, 5, 0, 0, 0, 7])
        // Overlapping windows (3×3 stride 1) accumulate at a shared maximum.
        let peak = Tensor(shape: [1, 1, 3, 3], scalars: [0, 0, 0, 0, 9, 0, 0, 0, 0])
        let dPeak = try Pooling2D.maxBackward(input: peak, outputGradient: Tensor(repeating: 1, shape: [1, 1, 3, 3]),
                                              window: (3, 3), stride: (1, 1), padding: .same)
        XCTAssertEqual(dPeak.scalars[4], 9)
    }

    func testTiesGoToTheFirstMaximalCellInRowMajorOrderInEveryWindowShape() throws {
        // All cells equal: in every window the top-left real cell wins, forward and backward, as in
        // PyTorch; padded cells never win.
        for (window, stride, padding) in [((2, 2), (2, 2), Padding.valid), ((2, 2), (2, 2), .same), ((3, 3), (2, 2), .same),
                                          ((2, 2), (1, 1), .valid), ((3, 3), (1, 1), .same)] {
            let flat = Tensor(repeating: 4, shape: [2, 1, 5, 5])
            let g = try Pooling2D.geometry(input: flat.shape, window: window, stride: stride, padding: padding, operation: "test")
            let y = try Pooling2D.maxForward(flat, window: window, stride: stride, padding: padding)
            XCTAssertTrue(y.scalars.allSatisfy { $0 == 4 })
            let ones = Tensor(repeating: 1, shape: y.shape)
            let d = try Pooling2D.maxBackward(input: flat, outputGradient: ones, window: window, stride: stride, padding: padding)
            var expected = [Float](repeating: 0, count: 25)
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    let row = max(0, oy * stride.0 - g.padTop), column = max(0, ox * stride.1 - g.padLeft)
                    expected[row * 5 + column] += 1
                }
            }
            XCTAssertEqual(Array(d.scalars[0..<25]), expected, "\(window) \(stride) \(padding)")
            XCTAssertEqual(Array(d.scalars[25..<50]), expected, "\(window) \(stride) \(padding): second image")
        }
        // A tie between the second and the fourth cell: the second wins.
        let x = Tensor(shape: [1, 1, 3, 3], scalars: [1, 7, 2, 0, 7, 7, 3, 1, 7])
        let d = try Pooling2D.maxBackward(input: x, outputGradient: Tensor(shape: [1, 1, 1, 1], scalars: [5]),
                                          window: (3, 3), stride: (3, 3), padding: .valid)
        XCTAssertEqual(d.scalars, [0, 5, 0, 0, 0, 0, 0, 0, 0])
    }

    func testPoolingMatchesNaiveOverConfigurations() throws {
        var seed: UInt64 = 90
        for window in 1...3 {
            for stride in 1...3 {
                for padding in Padding.allCases {
                    seed += 1
                    let x = randomTensor([2, 3, 7, 6], seed: seed)
                    let g = try Pooling2D.geometry(input: x.shape, window: (window, window), stride: (stride, stride),
                                                   padding: padding, operation: "test")
                    let maxY = try Pooling2D.maxForward(x, window: (window, window), stride: (stride, stride), padding: padding)
                    let avgY = try Pooling2D.averageForward(x, window: (window, window), stride: (stride, stride), padding: padding)
                    for p in 0..<6 {
                        for oy in 0..<g.outputHeight {
                            for ox in 0..<g.outputWidth {
                                var best = -Float.infinity
                                var total: Double = 0
                                var count = 0
                                for i in 0..<window {
                                    for j in 0..<window {
                                        let y = oy * stride - g.padTop + i
                                        let xx = ox * stride - g.padLeft + j
                                        if y < 0 || y >= 7 || xx < 0 || xx >= 6 { continue }
                                        let v = x.scalars[p * 42 + y * 6 + xx]
                                        best = max(best, v)
                                        total += Double(v)
                                        count += 1
                                    }
                                }
                                let at = (p * g.outputHeight + oy) * g.outputWidth + ox
                                XCTAssertEqual(maxY.scalars[at], best)
                                XCTAssertEqual(avgY.scalars[at], Float(total / Double(count)), accuracy: 1e-5)
                            }
                        }
                    }
                    // The average backward pass is the adjoint of the (linear) forward pass.
                    let gy = randomTensor(avgY.shape, seed: seed + 77)
                    let dx = try Pooling2D.averageBackward(inputShape: x.shape, outputGradient: gy, window: (window, window),
                                                           stride: (stride, stride), padding: padding)
                    XCTAssertEqual(dot(x, dx), dot(avgY, gy), accuracy: 1e-4)
                }
            }
        }
    }

    func testGlobalAveragePool() throws {
        let x = Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 4, 10, 20, 30, 40])
        XCTAssertEqual(try Pooling2D.globalAverageForward(x).scalars, [2.5, 25])
        let dx = try Pooling2D.globalAverageBackward(inputShape: x.shape, outputGradient: Tensor(shape: [1, 2], scalars: [4, 8]))
        XCTAssertEqual(dx.scalars, [1, 1, 1, 1, 2, 2, 2, 2])
        XCTAssertThrowsError(try Pooling2D.globalAverageForward(Tensor(zeros: [2, 3])))
    }
}
