import Foundation
import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// Occlusion, LIME and Kernel SHAP against values computed here by hand: the occlusion drop of a
/// linear model is w·(patch − fill), LIME on a linear model recovers each segment's w·x, and Kernel
/// SHAP with every coalition equals the Shapley values enumerated subset by subset.
final class PerturbationTests: XCTestCase {
    /// x [1, 6, 6] → flatten → dense 36 → 3: S_c = w_c·x + b_c.
    private func linearNet(seed: UInt64 = 5) throws -> (Sequential, weights: [Float], bias: [Float]) {
        try TestNetworks.linearImageNet(seed: seed, bias: [0.3, -0.2, 0.1])
    }

    private func images(_ count: Int, seed: UInt64) -> Tensor { TestNetworks.randomInputs([count, 1, 6, 6], seed: seed, low: 0, high: 1) }

    private func sameBits(_ a: Tensor, _ b: Tensor) -> Bool {
        a.shape == b.shape && a.scalars.elementsEqual(b.scalars) { $0.bitPattern == $1.bitPattern }
    }

    // MARK: Occlusion

    func testOcclusionOfALinearModelIsTheMeanOfWTimesPatchMinusFill() throws {
        let (net, w, _) = try linearNet()
        let x = images(2, seed: 3)
        for (patch, stride, fill) in [(3, 2, Float(0.5)), (2, 1, 0), (6, 6, -1), (1, 1, 0.25)] {
            let e = try Occlusion(try ExplainedModel(net), patch: patch, stride: stride, fill: fill)
                .attribute(x, targets: .classes([2, 0]))
            for (i, c) in [2, 0].enumerated() {
                // Every window position by hand; the drop of a linear model is Σ_{j ∈ window} w_cj (x_j − fill).
                var total = [Double](repeating: 0, count: 36), covering = [Double](repeating: 0, count: 36)
                var y0 = 0
                while y0 + patch <= 6 {
                    var x0 = 0
                    while x0 + patch <= 6 {
                        var drop = 0.0
                        for y in y0..<(y0 + patch) {
                            for xx in x0..<(x0 + patch) { drop += Double(w[c * 36 + y * 6 + xx]) * Double(x.scalars[i * 36 + y * 6 + xx] - fill) }
                        }
                        for y in y0..<(y0 + patch) {
                            for xx in x0..<(x0 + patch) {
                                total[y * 6 + xx] += drop
                                covering[y * 6 + xx] += 1
                            }
                        }
                        x0 += stride
                    }
                    y0 += stride
                }
                for j in 0..<36 {
                    let expected = covering[j] > 0 ? total[j] / covering[j] : 0
                    XCTAssertEqual(Double(e.attributions.scalars[i * 36 + j]), expected, accuracy: 1e-5,
                                   "patch \(patch) stride \(stride) image \(i) pixel \(j)")
                }
            }
            XCTAssertEqual(e.method, "Occlusion")
            XCTAssertNil(e.receipt)
        }
        // Patch 3, stride 2 on 6 × 6: corners 0 and 2 only, so row 5 and column 5 are never covered.
        let e = try Occlusion(try ExplainedModel(net), patch: 3, stride: 2).attribute(x, targets: .class(1))
        XCTAssertEqual(e.attributions.scalars[35], 0)
        XCTAssertNotEqual(e.attributions.scalars[0], 0)
    }

    func testOcclusionIsTheSameInAnyBatchAndRefusesNonImages() throws {
        let net = try TestNetworks.conv(pooling: "max")
        let x = images(5, seed: 8)
        let big = try Occlusion(try ExplainedModel(net), patch: 2, stride: 1).attribute(x, targets: .classes([0, 1, 2, 0, 1]))
        let small = try Occlusion(try ExplainedModel(net, batchSize: 3), patch: 2, stride: 1).attribute(x, targets: .classes([0, 1, 2, 0, 1]))
        XCTAssertTrue(sameBits(big.attributions, small.attributions))
        let alone = try Occlusion(try ExplainedModel(net, batchSize: 7), patch: 2, stride: 1).attribute(x.rows(3..<4), targets: .class(0))
        XCTAssertTrue(sameBits(alone.attributions, big.attributions.rows(3..<4)))
        XCTAssertEqual(big.outputs[1], try net.forward(x.rows(1..<2)).scalars[1])
        XCTAssertThrowsError(try Occlusion(try ExplainedModel(try TestNetworks.dense()))) { error in
            XCTAssertTrue("\(error)".contains("[C, H, W]"), "\(error)")
        }
        XCTAssertThrowsError(try Occlusion(try ExplainedModel(net), patch: 7))
        XCTAssertThrowsError(try Occlusion.make(try ExplainedModel(net), options: ["patch": .int(0)]))
    }

    // MARK: Segments

    func testTheGridCutsDigitsIntoEvenSquares() throws {
        let grid = try Segments.grid(16, height: 28, width: 28, method: "test")
        XCTAssertEqual(grid.sizes, [Int](repeating: 49, count: 16))
        XCTAssertEqual(grid.labels[0], 0)
        XCTAssertEqual(grid.labels[6], 0)
        XCTAssertEqual(grid.labels[7], 1)
        XCTAssertEqual(grid.labels[7 * 28], 4)
        XCTAssertEqual(grid.labels[27 * 28 + 27], 15)
        XCTAssertEqual(try Segments.grid(16, height: 40, width: 40, method: "test").sizes, [Int](repeating: 100, count: 16))
        // 6 segments: 2 bands down, 3 across; a prime count is stripes.
        XCTAssertEqual(try Segments.grid(6, height: 6, width: 6, method: "test").labels.prefix(6), [0, 0, 1, 1, 2, 2])
        XCTAssertEqual(Set(try Segments.grid(7, height: 28, width: 28, method: "test").sizes), [28 * 4])
        XCTAssertThrowsError(try Segments.grid(49, height: 6, width: 6, method: "test"))
    }

    // MARK: LIME

    func testLIMEOnALinearModelRecoversTheSegmentWeights() throws {
        let (net, w, _) = try linearNet()
        let x = images(3, seed: 4)
        let segments = try Segments.grid(4, height: 6, width: 6, method: "test")
        // f(z) = b_c + Σ_k z_k Σ_{j ∈ k} w_cj x_j (fill 0): exactly linear in z, so an unpenalised fit
        // finds β_k = Σ_{j ∈ k} w_cj x_j whatever the kernel.
        for width in [0.25, 5] {
            let e = try LIME(try ExplainedModel(net), samples: 60, segments: 4, kernelWidth: width, ridge: 0)
                .attribute(x, targets: .classes([0, 1, 2]))
            for (i, c) in [0, 1, 2].enumerated() {
                var expected = [Double](repeating: 0, count: 4)
                for j in 0..<36 { expected[segments.labels[j]] += Double(w[c * 36 + j]) * Double(x.scalars[i * 36 + j]) }
                for j in 0..<36 {
                    XCTAssertEqual(Double(e.attributions.scalars[i * 36 + j]), expected[segments.labels[j]], accuracy: 1e-5,
                                   "width \(width) image \(i) pixel \(j)")
                }
            }
        }
        // A ridge penalty shrinks the weights toward 0.
        let exact = try LIME(try ExplainedModel(net), samples: 60, segments: 4, ridge: 0).attribute(x, targets: .class(0))
        let shrunk = try LIME(try ExplainedModel(net), samples: 60, segments: 4, ridge: 10).attribute(x, targets: .class(0))
        let norm = { (e: Explanation) in e.attributions.scalars.reduce(0) { $0 + Double($1 * $1) } }
        XCTAssertLessThan(norm(shrunk), norm(exact))
    }

    func testLIMEWeightsTheFitByTheKernelOnTheDistance() throws {
        // Hand-made samples of 2 segments: y = 1 + 2 z_0 on the near samples, and an outlier far away
        // (both off). A narrow kernel gives the far sample weight ≈ 0 and recovers 2.
        XCTAssertEqual(LIME.kernel(on: 2, segments: 2, width: 0.25), 1)
        XCTAssertEqual(LIME.kernel(on: 1, segments: 2, width: 1), exp(-pow(1 - 0.5.squareRoot(), 2)), accuracy: 1e-12)
        XCTAssertEqual(LIME.kernel(on: 0, segments: 2, width: 1), exp(-1), accuracy: 1e-12)
        let masks: [Bool] = [true, true, true, false, false, true, false, false]
        let scores: [Float] = [3, 3, 1, 50]
        let narrow = LIME.fit(masks: masks, scores: scores[...], segments: 2, width: 0.2, ridge: 0)
        XCTAssertEqual(narrow[1], 2, accuracy: 1e-6)
        XCTAssertEqual(narrow[2], 0, accuracy: 1e-6)
        let wide = LIME.fit(masks: masks, scores: scores[...], segments: 2, width: 100, ridge: 0)
        XCTAssertGreaterThan(abs(wide[1] - 2), 1, "a wide kernel lets the far sample pull the fit")
    }

    func testLIMESamplesDependOnTheSeedAndTheImageNotTheBatch() throws {
        let net = try TestNetworks.conv(pooling: "max")
        let x = images(4, seed: 9)
        let model = try ExplainedModel(net, batchSize: 5)
        let batch = try LIME(model, samples: 30, segments: 4, seed: 3).attribute(x, targets: .class(1))
        let alone = try LIME(model, samples: 30, segments: 4, seed: 3).attribute(x.rows(2..<3), targets: .class(1))
        XCTAssertTrue(sameBits(alone.attributions, batch.attributions.rows(2..<3)))
        let other = try LIME(model, samples: 30, segments: 4, seed: 4).attribute(x, targets: .class(1))
        XCTAssertFalse(sameBits(other.attributions, batch.attributions))
        XCTAssertThrowsError(try LIME.make(model, options: ["kernelWidth": .double(0)]))
    }

    // MARK: Kernel SHAP

    /// Exact Shapley values of the `m` segments of image `i`, by enumerating every subset.
    private func enumeratedShapley(_ net: Sequential, _ x: Tensor, image i: Int, class c: Int, segments: Segments,
                                   fill: Float) throws -> [Double] {
        let m = segments.count
        var value = [Double](repeating: 0, count: 1 << m)
        for subset in 0..<(1 << m) {
            let pixels = (0..<36).map { j in subset >> segments.labels[j] & 1 == 1 ? x.scalars[i * 36 + j] : fill }
            value[subset] = Double(try net.forward(Tensor(shape: [1, 1, 6, 6], scalars: pixels)).scalars[c])
        }
        func factorial(_ n: Int) -> Double { n < 2 ? 1 : Double(n) * factorial(n - 1) }
        return (0..<m).map { k in
            var phi = 0.0
            for subset in 0..<(1 << m) where subset >> k & 1 == 0 {
                let size = subset.nonzeroBitCount
                phi += factorial(size) * factorial(m - size - 1) / factorial(m) * (value[subset | 1 << k] - value[subset])
            }
            return phi
        }
    }

    func testKernelSHAPWithEveryCoalitionEqualsTheEnumeratedShapleyValues() throws {
        let net = try TestNetworks.conv(pooling: "max")
        let x = images(2, seed: 11)
        for (m, fill) in [(4, Float(0)), (6, 0.3), (3, -0.5)] {
            let method = try KernelSHAP(try ExplainedModel(net, batchSize: 7), samples: 100, segments: m, fill: fill)
            XCTAssertTrue(method.enumeratesAll)
            let e = try method.attribute(x, targets: .classes([1, 2]))
            let segments = try Segments.grid(m, height: 6, width: 6, method: "test")
            for (i, c) in [1, 2].enumerated() {
                let exact = try enumeratedShapley(net, x, image: i, class: c, segments: segments, fill: fill)
                var phi = [Double](repeating: 0, count: m)
                for j in 0..<36 { phi[segments.labels[j]] += Double(e.attributions.scalars[i * 36 + j]) }
                for k in 0..<m { XCTAssertEqual(phi[k], exact[k], accuracy: 1e-5, "\(m) segments, image \(i), segment \(k)") }
                // Efficiency: Σ φ = f(x) − f(all off).
                XCTAssertEqual(phi.reduce(0, +), Double(e.outputs[i] - e.baselineOutputs![i]), accuracy: 1e-5)
            }
            XCTAssertEqual(e.receipt, .efficiency)
            XCTAssertLessThan(try XCTUnwrap(e.receiptError), 1e-5)
        }
    }

    func testSampledKernelSHAPIsStillExactlyEfficientAndNearTheShapleyValues() throws {
        let net = try TestNetworks.conv(pooling: "avg")
        let x = images(3, seed: 12)
        let model = try ExplainedModel(net, batchSize: 16)
        // 9 segments have 510 coalitions; 400 sampled ones (paired) still meet Σ φ = f(x) − f(x⁰) exactly.
        let method = try KernelSHAP(model, samples: 400, segments: 9, seed: 2)
        XCTAssertFalse(method.enumeratesAll)
        let e = try method.attribute(x, targets: .class(0))
        for i in 0..<3 {
            XCTAssertEqual(Double(e.sumPerImage[i]), Double(e.outputs[i] - e.baselineOutputs![i]), accuracy: 1e-5)
        }
        XCTAssertLessThan(try XCTUnwrap(e.receiptError), 1e-5)
        // And the sampled values lie near the exact ones.
        let segments = try Segments.grid(9, height: 6, width: 6, method: "test")
        let exact = try enumeratedShapley(net, x, image: 0, class: 0, segments: segments, fill: 0)
        var phi = [Double](repeating: 0, count: 9)
        for j in 0..<36 { phi[segments.labels[j]] += Double(e.attributions.scalars[j]) }
        let scale = exact.map(abs).max()!
        for k in 0..<9 { XCTAssertEqual(phi[k], exact[k], accuracy: 0.1 * scale, "segment \(k)") }
        // The same image alone gets the same coalitions and the same map.
        let alone = try method.attribute(x.rows(1..<2), targets: .class(0))
        XCTAssertTrue(sameBits(alone.attributions, e.attributions.rows(1..<2)))
    }

    func testKernelSHAPsShapleyKernelAndCancellation() throws {
        // (M − 1)/(C(M, s) s (M − s)): M = 4, s = 1 → 3/(4·1·3) = 0.25; s = 2 → 3/(6·2·2) = 0.125.
        XCTAssertEqual(KernelSHAP.kernel(size: 1, of: 4), 0.25, accuracy: 1e-15)
        XCTAssertEqual(KernelSHAP.kernel(size: 2, of: 4), 0.125, accuracy: 1e-15)
        let net = try TestNetworks.conv(pooling: "max")
        let token = CancellationToken()
        token.cancel()
        XCTAssertThrowsError(try KernelSHAP(try ExplainedModel(net)).attribute(images(1, seed: 1), targets: .class(0),
                                                                               monitor: WorkMonitor(cancellation: token)))
        let events = EventLog()
        _ = try KernelSHAP(try ExplainedModel(net, batchSize: 10), samples: 40, segments: 4)
            .attribute(images(2, seed: 1), targets: .class(0), monitor: WorkMonitor { events.append($0) })
        XCTAssertEqual(events.last?.finished, true)
        XCTAssertEqual(events.last?.total, 2 * 16)
    }
}

/// Progress events collected from any thread.
private final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ProgressEvent] = []
    func append(_ event: ProgressEvent) { lock.withLock { events.append(event) } }
    var last: ProgressEvent? { lock.withLock { events.last } }
}
