import Foundation
import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// The CAM family against hand-computed values on 2×2×2 feature maps, CAM's receipt, Grad-CAM = CAM
/// on a global-average-pooling network, the aligned-corner upsampling, batching and refusals.
final class ClassActivationTests: XCTestCase {
    // MARK: Small networks whose feature maps are the input itself (a 1×1 identity convolution)

    /// A 1×1 conv with identity weights from 2 to 2 channels, no bias: A = x.
    private func identityConv() -> Conv2D {
        var rng = SeededRandom(seed: 1)
        let conv = Conv2D(name: "conv", inChannels: 2, outChannels: 2, kernel: (1, 1), stride: (1, 1), padding: .valid, bias: false, rng: &rng)
        conv.weight.value = Tensor(shape: [2, 2, 1, 1], scalars: [1, 0, 0, 1])
        return conv
    }

    /// x [2, 2, 2] → conv (A = x) → flatten → dense 8 → 2 without bias: S = W·A, so ∂S_c/∂A = W_c.
    private func linearNet(_ weights: [Float]) throws -> Sequential {
        var rng = SeededRandom(seed: 2)
        let dense = Dense(name: "logits", inputs: 8, outputs: 2, bias: false, rng: &rng)
        dense.weight.value = Tensor(shape: [2, 8], scalars: weights)
        return try Sequential(layers: [identityConv(), Flatten(name: "flatten"), dense], inputShape: [2, 2, 2])
    }

    /// A_0 = [[1, 2], [−1, 3]], A_1 = [[2, 3], [1, −1]] (channel-major, row-major).
    private let maps: [Float] = [1, 2, -1, 3, 2, 3, 1, -1]
    /// Class 0: g_0 = [[1, −1], [2, 1.5]], g_1 = [[0.5, 1], [−2, 1]], so S_0 = 2.5. Class 1: 1s.
    private let classWeights: [Float] = [1, -1, 2, 1.5, 0.5, 1, -2, 1] + [Float](repeating: 1, count: 8)

    private func coarse<M: ClassActivationMethod>(_ method: M, _ x: [Float], target: Int = 0) throws -> [Float] {
        let e = try method.attribute(Tensor(shape: [1, 2, 2, 2], scalars: x), targets: .class(target), monitor: .none)
        return try XCTUnwrap(e.coarseMaps).scalars
    }

    private func assertClose(_ a: [Float], _ b: [Double], accuracy: Double = 1e-6, _ message: String = "",
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(Double(x), y, accuracy: accuracy * Swift.max(1, abs(y)), message, file: file, line: line)
        }
    }

    private func explained(_ net: Sequential) throws -> ExplainedModel { try ExplainedModel(net) }

    // MARK: Hand-computed 2×2×2 examples

    func testGradCAMByHand() throws {
        let model = try explained(try linearNet(classWeights))
        // α_0 = mean(g_0) = 3.5/4, α_1 = mean(g_1) = 0.5/4; Σ α A = [[1.125, 2.125], [−0.75, 2.5]].
        assertClose(try coarse(GradCAM(model, relu: false), maps), [1.125, 2.125, -0.75, 2.5])
        assertClose(try coarse(GradCAM(model), maps), [1.125, 2.125, 0, 2.5])
        XCTAssertEqual(try GradCAM(model).featureLayer.name, "conv", "the default layer is the last conv with spatial extent")
    }

    func testHiResCAMByHand() throws {
        let model = try explained(try linearNet(classWeights))
        // g ⊙ A: [[1, −2], [−2, 4.5]] + [[1, 3], [−2, −1]] = [[2, 1], [−4, 3.5]], which sums to S_0 = 2.5.
        let raw = try coarse(HiResCAM(model, relu: false), maps)
        assertClose(raw, [2, 1, -4, 3.5])
        XCTAssertEqual(Double(raw.reduce(0, +)), 2.5, accuracy: 1e-6)
        assertClose(try coarse(HiResCAM(model), maps), [2, 1, 0, 3.5])
    }

    func testElementWiseGradCAMByHand() throws {
        let model = try explained(try linearNet(classWeights))
        // max(g ⊙ A, 0): [[1, 0], [0, 4.5]] + [[1, 3], [0, 0]].
        assertClose(try coarse(GradCAMElementWise(model), maps), [2, 3, 0, 4.5])
    }

    func testLayerCAMByHand() throws {
        let model = try explained(try linearNet(classWeights))
        // max(g, 0) ⊙ A: [[1, 0], [−2, 4.5]] + [[1, 3], [0, −1]] = [[2, 3], [−2, 3.5]]: unlike the
        // element-wise variant, a positive gradient on a negative activation counts against.
        assertClose(try coarse(LayerCAM(model, relu: false), maps), [2, 3, -2, 3.5])
        assertClose(try coarse(LayerCAM(model), maps), [2, 3, 0, 3.5])
    }

    func testXGradCAMByHand() throws {
        let model = try explained(try linearNet(classWeights))
        // Σ A_0 = Σ A_1 = 5; w_0 = Σ g_0 A_0 / 5 = 1.5/5, w_1 = 1/5; 0.3 A_0 + 0.2 A_1.
        assertClose(try coarse(XGradCAM(model, relu: false), maps), [0.7, 1.2, -0.1, 0.7])
    }

    func testGradCAMPlusPlusByHand() throws {
        let model = try explained(try linearNet(classWeights))
        // α = g²/(2g² + Σ A · g³) = 1/(2 + 5g) where g > 0; w_k = Σ α g over positive g.
        let w0 = 1.0 / 7 + 2.0 / 12 + 1.5 / 9.5   // g = 1, 2, 1.5 (g = −1 drops out)
        let w1 = 0.5 / 4.5 + 1.0 / 7 + 1.0 / 7    // g = 0.5, 1, 1 (g = −2 drops out)
        let a = maps.map(Double.init)
        let plain = (0..<4).map { w0 * a[$0] + w1 * a[4 + $0] }
        assertClose(try coarse(GradCAMPlusPlus(model, relu: false, exponential: false), maps), plain)
        // The exponential score multiplies every weight by exp(S_0) = exp(2.5): the same map, scaled.
        let scale = Foundation.exp(2.5)
        assertClose(try coarse(GradCAMPlusPlus(model, relu: false), maps), plain.map { $0 * scale })
        assertClose(try coarse(GradCAMPlusPlus(model), maps), plain.map { Swift.max($0 * scale, 0) })
        // The reference's simplified form 1/(2 + g·ΣA) agrees where g ≠ 0 (checked above); g = 0 and
        // negative g add nothing (class 1 has g = 1 everywhere: α = 1/7 at each of 8 positions).
        let ones = try coarse(GradCAMPlusPlus(model, relu: false, exponential: false), maps, target: 1)
        let w: Double = 4.0 / 7.0
        assertClose(ones, (0..<4).map { (p: Int) -> Double in w * a[p] + w * a[4 + p] })
    }

    func testScoreCAMByHand() throws {
        let model = try explained(try linearNet(classWeights))
        // Masks: A scaled to [0, 1] per map: M_0 = [0.5, 0.75, 0, 1], M_1 = [0.75, 1, 0.5, 0]. The
        // masked inputs x ⊙ M_k score S_0 = 5.25 and 0.5.
        let softmax0 = 1 / (1 + Foundation.exp(0.5 - 5.25))
        let a = maps.map(Double.init)
        assertClose(try coarse(ScoreCAM(model, relu: false), maps), (0..<4).map { softmax0 * a[$0] + (1 - softmax0) * a[4 + $0] })
        assertClose(try coarse(ScoreCAM(model, relu: false, softmax: false), maps), (0..<4).map { 5.25 * a[$0] + 0.5 * a[4 + $0] })
    }

    func testAblationCAMByHand() throws {
        let model = try explained(try linearNet(classWeights))
        // S_0 = 2.5; without A_0 it is 1.0, without A_1 1.5: w = (0.6, 0.4).
        assertClose(try coarse(AblationCAM(model, relu: false), maps), [1.4, 2.4, -0.2, 1.4])
        assertClose(try coarse(AblationCAM(model), maps), [1.4, 2.4, 0, 1.4])
    }

    func testEigenCAMAndEigenGradCAMByHand() throws {
        // A_1 = 2 A_0 + 1: the centred matrix has rank one, direction (1, 2)/√5, so the projection is
        // √5 · (A_0 − mean A_0) = √5 · [−0.25, 0.75, −2.25, 1.75].
        let a0: [Float] = [1, 2, -1, 3]
        let x = a0 + a0.map { 2 * $0 + 1 }
        let root5 = 5.0.squareRoot()
        let expected = [-0.25, 0.75, -2.25, 1.75].map { root5 * $0 }
        // With g = 1 everywhere (class 1 of this net), Eigen-Grad-CAM is Eigen-CAM.
        let ones = try explained(try linearNet([Float](repeating: 1, count: 16)))
        assertClose(try coarse(EigenCAM(ones, relu: false), x), expected)
        assertClose(try coarse(EigenCAM(ones), x), expected.map { Swift.max($0, 0) })
        assertClose(try coarse(EigenGradCAM(ones, relu: false), x, target: 1), expected)
        // g = (2 on map 0, 1 on map 1): the products (2 A_0, 2 A_0 + 1) centre to (2d, 2d),
        // direction (1, 1)/√2, projection 2√2 d.
        let weighted = try explained(try linearNet([Float](repeating: 2, count: 4) + [Float](repeating: 1, count: 4)
                                                   + [Float](repeating: 0, count: 8)))
        assertClose(try coarse(EigenGradCAM(weighted, relu: false), x), [-0.25, 0.75, -2.25, 1.75].map { 2 * 2.0.squareRoot() * $0 })
    }

    func testThePrincipalProjectionIsTheSameThroughEitherGramMatrix() throws {
        // 3 positions × 5 maps: project() goes through the 3×3 matrix X_c X_cᵀ; recompute with the
        // 5×5 matrix X_cᵀ X_c and p = X_c v.
        var rng = SeededRandom(seed: 7)
        let (rows, columns) = (3, 5)
        let x = (0..<(rows * columns)).map { _ in Double(rng.nextUniform(in: -1, 1)) }
        let p = PrincipalProjection.project(x, rows: rows, columns: columns)
        var centred = x
        for k in 0..<columns {
            let mean = (0..<rows).map { x[$0 * columns + k] }.reduce(0, +) / Double(rows)
            for r in 0..<rows { centred[r * columns + k] -= mean }
        }
        var gram = [Double](repeating: 0, count: columns * columns)
        for a in 0..<columns { for b in 0..<columns { gram[a * columns + b] = (0..<rows).map { centred[$0 * columns + a] * centred[$0 * columns + b] }.reduce(0, +) } }
        let (_, v) = PrincipalProjection.topEigenvector(gram, size: columns)
        let sign: Double = v.reduce(0, +) >= 0 ? 1 : -1
        let q = (0..<rows).map { r in sign * (0..<columns).map { centred[r * columns + $0] * v[$0] }.reduce(0, +) }
        for (a, b) in zip(p, q) { XCTAssertEqual(a, b, accuracy: 1e-10) }
        // The solver on a random symmetric 7×7 matrix: A v = λ v, |v| = 1, and no unit vector has a
        // larger Rayleigh quotient (λ is the largest eigenvalue).
        let n = 7
        let b = (0..<(n * n)).map { _ in Double(rng.nextUniform(in: -1, 1)) }
        var symmetric = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { symmetric[i * n + j] = b[i * n + j] + b[j * n + i] } }
        let (top, vector) = PrincipalProjection.topEigenvector(symmetric, size: n)
        XCTAssertEqual(vector.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-12)
        for i in 0..<n {
            let av = (0..<n).map { symmetric[i * n + $0] * vector[$0] }.reduce(0, +)
            XCTAssertEqual(av, top * vector[i], accuracy: 1e-10)
        }
        for _ in 0..<200 {
            let x = (0..<n).map { _ in Double(rng.nextUniform(in: -1, 1)) }
            let xx = x.map { $0 * $0 }.reduce(0, +)
            var xax = 0.0
            for i in 0..<n { for j in 0..<n { xax += x[i] * symmetric[i * n + j] * x[j] } }
            XCTAssertLessThanOrEqual(xax / xx, top + 1e-12)
        }
        // And the eigenvector solver on a matrix with a known spectrum.
        let (lambda, u) = PrincipalProjection.topEigenvector([8.75, -2.25, -2.25, 8.75], size: 2)
        XCTAssertEqual(lambda, 11, accuracy: 1e-12)
        XCTAssertEqual(abs(u[0] - (-u[1])), 0, accuracy: 1e-12)
    }

    func testGuidedGradCAMIsGuidedBackpropTimesTheUpsampledGradCAM() throws {
        let net = try TestNetworks.conv(pooling: "max", seed: 3)
        let model = try explained(net)
        let x = TestNetworks.randomInputs([3, 1, 6, 6], seed: 4, low: 0, high: 1)
        let guided = try GuidedGradCAM(model, layer: "relu1").attribute(x, targets: .classes([0, 1, 2]), monitor: .none)
        let cam = try GradCAM(model, layer: "relu1").attribute(x, targets: .classes([0, 1, 2]), monitor: .none)
        let backprop = try GuidedBackprop(model).attribute(x, targets: .classes([0, 1, 2]), monitor: .none)
        XCTAssertEqual(guided.attributions, try backprop.attributions.multiplying(cam.attributions))
        XCTAssertEqual(guided.coarseMaps, cam.coarseMaps)
        XCTAssertEqual(guided.featureLayer, "relu1")
    }

    // MARK: CAM

    /// x [2, 2, 2] → conv (A = x) → global average pooling (a layer, or a 2×2 VALID average pool
    /// and a flatten) → dense 2 → 3 with bias.
    private func gapNet(pool: String) throws -> Sequential {
        var rng = SeededRandom(seed: 3)
        let dense = Dense(name: "logits", inputs: 2, outputs: 3, bias: true, rng: &rng)
        dense.weight.value = Tensor(shape: [3, 2], scalars: [1, 2, -1, 0.5, 0, 1])
        dense.bias!.value = Tensor(shape: [3], scalars: [0.5, -1, 0])
        let head: [any Layer] = pool == "global"
            ? [GlobalAvgPool2D(name: "gap")]
            : [AvgPool2D(name: "gap", window: (2, 2), stride: (2, 2), padding: .valid), Flatten(name: "flatten")]
        return try Sequential(layers: [identityConv(), ReLU(name: "relu")] + head + [dense], inputShape: [2, 2, 2])
    }

    func testCAMByHandAndItsMeanIsTheLogit() throws {
        let x: [Float] = [1, 2, 0, 3, 2, 3, 1, 0]  // non-negative: the ReLU keeps A = x
        for pool in ["global", "avgpool"] {
            let model = try explained(try gapNet(pool: pool))
            let method = try CAM(model)
            XCTAssertEqual(method.featureLayer.name, "relu")
            let e = try method.attribute(Tensor(shape: [1, 2, 2, 2], scalars: x), targets: .class(0), monitor: .none)
            // CAM_0 = A_0 + 2 A_1 + 0.5 = [[5.5, 8.5], [2.5, 3.5]], mean 5 = S_0 = 1.5 + 2·1.5 + 0.5.
            assertClose(try XCTUnwrap(e.coarseMaps).scalars, [5.5, 8.5, 2.5, 3.5], pool)
            XCTAssertEqual(e.outputs[0], 5, accuracy: 1e-6)
            XCTAssertEqual(e.receipt, .classActivationMean)
            XCTAssertEqual(try XCTUnwrap(e.receiptError), 0, accuracy: 1e-7)
        }
    }

    func testCAMsMeanEqualsTheLogitOnARandomNetworkForEveryClass() throws {
        var rng = SeededRandom(seed: 11)
        let net = try Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 4, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu1"), MaxPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same),
            Conv2D(name: "conv2", inChannels: 4, outChannels: 6, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu2"), AvgPool2D(name: "gap", window: (5, 5), stride: (5, 5), padding: .valid), Flatten(name: "flatten"),
            Dense(name: "logits", inputs: 6, outputs: 3, bias: true, rng: &rng),
        ], inputShape: [1, 10, 10])
        TestNetworks.randomiseBiases(net.layers, rng: &rng)
        let x = TestNetworks.randomInputs([4, 1, 10, 10], seed: 12, low: 0, high: 1)
        let model = try explained(net)
        let logits = try net.forward(x)
        for c in 0..<3 {
            let e = try CAM(model).attribute(x, targets: .class(c), monitor: .none)
            let means = try XCTUnwrap(e.coarseMeans)
            for i in 0..<4 {
                XCTAssertEqual(means[i], logits.scalars[i * 3 + c], accuracy: 1e-5 * Swift.max(1, abs(logits.scalars[i * 3 + c])))
                XCTAssertEqual(e.outputs[i], logits.scalars[i * 3 + c])
            }
            XCTAssertLessThan(try XCTUnwrap(e.receiptError), 1e-5)
            XCTAssertEqual(e.attributions.shape, [4, 1, 10, 10])
        }
    }

    func testCAMWithoutADenseLayerUsesThePooledMapsAsLogits() throws {
        // ALLCONV's head: the class maps themselves are averaged into the logits, so CAM_c = A_c.
        let net = try Sequential(layers: [identityConv(), ReLU(name: "relu"), GlobalAvgPool2D(name: "logits")], inputShape: [2, 2, 2])
        let x: [Float] = [1, 2, 0, 3, 2, 3, 1, 0]
        let e = try CAM(try explained(net)).attribute(Tensor(shape: [1, 2, 2, 2], scalars: x), targets: .class(1), monitor: .none)
        XCTAssertEqual(try XCTUnwrap(e.coarseMaps).scalars, [2, 3, 1, 0])
    }

    func testGradCAMOnAGlobalAveragePoolingNetworkIsCAMUpToTheReLUAndAPositiveFactor() throws {
        // S_c = Σ_k w_kc mean(A_k): ∂S_c/∂A_k = w_kc/(h·w) everywhere, so α_k = w_kc/(h·w) and
        // Grad-CAM (before its ReLU) = CAM/(h·w), when the classifier has no bias.
        var rng = SeededRandom(seed: 21)
        let net = try Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 5, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu1"), MaxPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same),
            Conv2D(name: "conv2", inChannels: 5, outChannels: 7, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu2"), GlobalAvgPool2D(name: "gap"),
            Dense(name: "logits", inputs: 7, outputs: 4, bias: false, rng: &rng),
        ], inputShape: [1, 8, 8])
        TestNetworks.randomiseBiases(net.layers, rng: &rng)
        let model = try explained(net)
        let x = TestNetworks.randomInputs([5, 1, 8, 8], seed: 22, low: 0, high: 1)
        let targets = Target.classes([0, 1, 2, 3, 1])
        let cam = try XCTUnwrap(try CAM(model).attribute(x, targets: targets, monitor: .none).coarseMaps).scalars
        let raw = try XCTUnwrap(try GradCAM(model, relu: false).attribute(x, targets: targets, monitor: .none).coarseMaps).scalars
        let relu = try XCTUnwrap(try GradCAM(model).attribute(x, targets: targets, monitor: .none).coarseMaps).scalars
        let scale = cam.map(abs).max() ?? 1
        XCTAssertTrue(cam.contains { $0 < 0 } && cam.contains { $0 > 0 }, "the example should have both signs")
        for j in cam.indices {
            XCTAssertEqual(raw[j] * 16, cam[j], accuracy: 1e-5 * scale)
            XCTAssertEqual(relu[j] * 16, Swift.max(cam[j], 0), accuracy: 1e-5 * scale)
        }
    }

    func testCAMRefusesModelsWithoutGlobalAveragePooling() throws {
        let net = try TestNetworks.conv(pooling: "max")
        XCTAssertThrowsError(try CAM(try explained(net))) { error in
            guard case MethodError.unsupportedModel(_, let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("global average pooling"), message)
            XCTAssertTrue(message.contains("gradCAM"), message)
        }
        // A non-linear layer between the pooling and the logits is refused too, naming it.
        var rng = SeededRandom(seed: 1)
        let relu = try Sequential(layers: [identityConv(), GlobalAvgPool2D(name: "gap"), Dense(name: "fc", inputs: 2, outputs: 2, bias: false, rng: &rng),
                                           ReLU(name: "relu9"), Dense(name: "logits", inputs: 2, outputs: 2, bias: false, rng: &rng)],
                                  inputShape: [2, 2, 2])
        XCTAssertThrowsError(try CAM(try explained(relu))) { error in
            XCTAssertTrue("\(error)".contains("'fc'"), "\(error)")
        }
    }

    // MARK: Layers, refusals and upsampling

    func testTheFeatureLayerOptionIsCheckedWithSuggestions() throws {
        let model = try explained(try TestNetworks.conv(pooling: "max"))
        XCTAssertEqual(try GradCAM(model).featureLayer, FeatureLayer(name: "relu2", index: 4, channels: 4, height: 2, width: 2))
        XCTAssertEqual(try GradCAM(model, layer: "pool1").featureLayer.name, "pool1")
        XCTAssertThrowsError(try GradCAM(model, layer: "relu3")) { error in
            guard case let MethodError.option(_, option, message, given, candidates) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(option, "layer")
            XCTAssertEqual(given, "relu3")
            XCTAssertTrue(candidates.contains("relu2"))
            XCTAssertTrue(message.contains("conv1, relu1"), message)
        }
        XCTAssertThrowsError(try GradCAM(model, layer: "logits")) { error in
            XCTAssertTrue("\(error)".contains("not a stack of feature maps"), "\(error)")
        }
        // Through the declared options too.
        XCTAssertThrowsError(try GradCAM.make(model, options: ["layer": .int(3)]))
    }

    func testModelsWithoutFeatureMapsAreRefusedWhenTheMethodIsMade() throws {
        let mlp = try explained(try TestNetworks.dense())
        for method in MethodCatalog.all where method is any ClassActivationMethod.Type || method == GuidedGradCAM.self {
            XCTAssertThrowsError(try method.make(mlp, options: [:]), method.declaration.id) { error in
                XCTAssertTrue("\(error)".contains("not an image"), "\(error)")
            }
        }
        // A conv net whose only maps have one position.
        var rng = SeededRandom(seed: 5)
        let flat = try Sequential(layers: [
            Conv2D(name: "conv", inChannels: 1, outChannels: 3, kernel: (2, 2), stride: (1, 1), padding: .valid, bias: false, rng: &rng),
            ReLU(name: "relu"), Flatten(name: "flatten"), Dense(name: "logits", inputs: 3, outputs: 2, bias: false, rng: &rng),
        ], inputShape: [1, 2, 2])
        XCTAssertThrowsError(try GradCAM(try explained(flat))) { error in
            XCTAssertTrue("\(error)".contains("no convolutional feature maps"), "\(error)")
        }
    }

    func testChannelTargetsAreRefused() throws {
        let model = try explained(try TestNetworks.conv(pooling: "max"))
        let x = TestNetworks.randomInputs([1, 1, 6, 6], seed: 1)
        XCTAssertThrowsError(try GradCAM(model).attribute(x, targets: .channel(0, layer: "relu1"), monitor: .none))
    }

    func testUpsamplingAlignsTheCornersAndSamplesIAt9Over39() throws {
        // A 10×10 ramp in x: output column i of 40 samples input position i·9/39.
        let ramp = Tensor(shape: [1, 1, 10, 10], scalars: (0..<100).map { Float($0 % 10) })
        let up = try ImageResampling.resizeBilinear(ramp, height: 40, width: 40)
        for i in 0..<40 {
            XCTAssertEqual(up.scalars[17 * 40 + i], Float(i) * 9 / 39, accuracy: 2e-6)
        }
        XCTAssertEqual(up.scalars[0], 0)
        XCTAssertEqual(up.scalars[39], 9)
        // Corners map onto corners; 2×2 → 3×3 by hand: edges are midpoints, the centre the mean.
        let small = Tensor(shape: [1, 1, 2, 2], scalars: [1, 3, 5, 11])
        let three = try ImageResampling.resizeBilinear(small, height: 3, width: 3)
        XCTAssertEqual(three.scalars, [1, 2, 3, 3, 5, 7, 5, 8, 11])
        // The CAM family's maps are exactly the coarse maps upsampled this way.
        let model = try explained(try TestNetworks.conv(pooling: "max"))
        let x = TestNetworks.randomInputs([2, 1, 6, 6], seed: 8, low: 0, high: 1)
        let e = try GradCAM(model, layer: "pool1").attribute(x, targets: .class(1), monitor: .none)
        XCTAssertEqual(try XCTUnwrap(e.coarseMaps).shape, [2, 1, 3, 3])
        XCTAssertEqual(e.attributions, try ImageResampling.resizeBilinear(try XCTUnwrap(e.coarseMaps), height: 6, width: 6))
        XCTAssertEqual(e.featureLayer, "pool1")
        XCTAssertEqual(e.setting("layer"), "pool1")
    }

    // MARK: Batches

    func testEveryMethodGivesAnImageTheSameMapAloneAndInBatchesOfAnySize() throws {
        let net = try TestNetworks.conv(pooling: "max", seed: 9)
        let x = TestNetworks.randomInputs([5, 1, 6, 6], seed: 10, low: 0, high: 1)
        let targets = [2, 0, 1, 1, 0]
        for method in MethodCatalog.all where method is any ClassActivationMethod.Type || method == GuidedGradCAM.self {
            let id = method.declaration.id
            guard id != "cam" else { continue }  // refuses this model (no global average pooling)
            // Two rows per pass: Score-CAM's and Ablation-CAM's 4 masks per image are split over passes and mixed.
            let small = try method.make(try ExplainedModel(net, batchSize: 2), options: ["layer": .string("relu1")])
            let large = try method.make(try ExplainedModel(net, batchSize: 64), options: ["layer": .string("relu1")])
            let batch = try small.attribute(x, targets: .classes(targets), monitor: .none)
            XCTAssertEqual(batch.attributions, try large.attribute(x, targets: .classes(targets), monitor: .none).attributions, id)
            for i in 0..<5 {
                let alone = try large.attribute(x.rows(i..<(i + 1)), targets: .class(targets[i]), monitor: .none)
                XCTAssertEqual(alone.attributions, batch.attributions.rows(i..<(i + 1)), "\(id) image \(i)")
            }
            XCTAssertGreaterThan(batch.attributions.scalars.map(abs).max() ?? 0, 0, id)
        }
    }

    func testScoreCAMStopsWhenCancelledAndReportsProgress() throws {
        let model = try ExplainedModel(try TestNetworks.conv(pooling: "max"), batchSize: 4)
        let x = TestNetworks.randomInputs([3, 1, 6, 6], seed: 2, low: 0, high: 1)
        let token = CancellationToken()
        token.cancel()
        XCTAssertThrowsError(try ScoreCAM(model).attribute(x, targets: .class(0), monitor: WorkMonitor(cancellation: token))) { error in
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        let events = Locked<[ProgressEvent]>([])
        _ = try ScoreCAM(model).attribute(x, targets: .class(0), monitor: WorkMonitor(cancellation: CancellationToken()) { events.append($0) })
        XCTAssertEqual(events.value.last?.completed, 3)
        XCTAssertEqual(events.value.last?.finished, true)
    }

    func testAblationCAMGivesAnImageWhoseOutputIsZeroAnEmptyMap() throws {
        // Class 0 scores 0 (all weights 0): no relative drop; class 1 of the same image still has its map.
        let model = try explained(try linearNet([Float](repeating: 0, count: 8) + [Float](repeating: 1, count: 8)))
        let x = Tensor(shape: [2, 2, 2, 2], scalars: maps + maps)
        let e = try AblationCAM(model, relu: false).attribute(x, targets: .classes([0, 1]), monitor: .none)
        let coarse = try XCTUnwrap(e.coarseMaps).scalars
        XCTAssertEqual(Array(coarse[0..<4]), [0, 0, 0, 0])
        // S_1 = ΣA = 10; without A_0 (sum 5) or A_1 (sum 5) it is 5: w = (0.5, 0.5).
        assertClose(Array(coarse[4..<8]), [1.5, 2.5, 0, 1])
    }

    func testGradCAMPlusPlusSaysWhenTheExponentialOverflows() throws {
        let model = try explained(try linearNet([Float](repeating: 30, count: 8) + [Float](repeating: 0, count: 8)))
        let x = Tensor(shape: [1, 2, 2, 2], scalars: [Float](repeating: 1, count: 8))  // S_0 = 240
        XCTAssertThrowsError(try GradCAMPlusPlus(model).attribute(x, targets: .class(0), monitor: .none)) { error in
            XCTAssertTrue("\(error)".contains("exponential: false"), "\(error)")
        }
        XCTAssertNoThrow(try GradCAMPlusPlus(model, exponential: false).attribute(x, targets: .class(0), monitor: .none))
    }
}

/// A value shared with a progress callback.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func append<Element>(_ element: Element) where Value == [Element] { lock.lock(); stored.append(element); lock.unlock() }
}
