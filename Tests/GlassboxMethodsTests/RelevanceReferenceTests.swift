import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// Every relevance rule, composite and DeepLIFT against `ReferenceNetwork`, the per-neuron Double
/// re-implementation written from the papers' formulas, on random small dense and conv networks
/// with max and average pooling, biases on and off; conservation where the rule promises it.
final class RelevanceReferenceTests: XCTestCase {
    typealias Rule = ReferenceNetwork.LinearRule

    /// 1×7×7 → conv 2 (3×3, stride 2, SAME: 4×4, padding on one side only) → ReLU → avg pool 2/2
    /// SAME → flatten 8 → dense 3.
    static func stridedConv(bias: Bool, seed: UInt64 = 7) throws -> Sequential {
        var rng = SeededRandom(seed: seed)
        let layers: [any Layer] = [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 2, kernel: (3, 3), stride: (2, 2), padding: .same, bias: bias, rng: &rng),
            ReLU(name: "relu1"), AvgPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same), Flatten(name: "flatten"),
            Dense(name: "logits", inputs: 8, outputs: 3, bias: bias, rng: &rng),
        ]
        if bias { TestNetworks.randomiseBiases(layers, rng: &rng) }
        return try Sequential(layers: layers, inputShape: [1, 7, 7])
    }

    /// The test networks with their input shapes.
    static func networks() throws -> [(name: String, network: Sequential)] {
        var list: [(String, Sequential)] = []
        for bias in [true, false] {
            list.append(("dense, bias \(bias)", try TestNetworks.dense(bias: bias)))
            list.append(("conv + max pool, bias \(bias)", try TestNetworks.conv(pooling: "max", bias: bias)))
            list.append(("conv + avg pool, bias \(bias)", try TestNetworks.conv(pooling: "avg", bias: bias)))
            list.append(("strided conv, bias \(bias)", try stridedConv(bias: bias)))
        }
        return list
    }

    /// Non-negative inputs (pixels in [0, 1]), as the αβ, z⁺ and z^B rules assume.
    static func inputs(for network: Sequential, count: Int = 3, seed: UInt64 = 11) -> Tensor {
        TestNetworks.randomInputs([count] + network.inputShape, seed: seed, low: 0, high: 1)
    }

    /// Our maps of `method` against the reference's, every image, to 1e-4 of the largest value.
    private func compare(_ method: (ExplainedModel) throws -> any AttributionMethod, reference: (ReferenceNetwork, [Double], Int) -> [Double],
                         output: ExplainedOutput = .logit, _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for (name, network) in try Self.networks() {
            let x = Self.inputs(for: network)
            let explanation = try method(try ExplainedModel(network, output: output)).attribute(x, targets: .predicted, monitor: .none)
            let slow = ReferenceNetwork(network)
            let per = x.count / x.shape[0]
            for i in 0..<x.shape[0] {
                let image = x.scalars[(i * per)..<((i + 1) * per)].map(Double.init)
                let expected = reference(slow, image, explanation.targets[i])
                let got = explanation.attributions.scalars[(i * per)..<((i + 1) * per)].map(Double.init)
                let scale = max(expected.map(abs).max() ?? 0, 1e-6)
                let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-4 * scale, "\(label) on \(name), image \(i): largest difference \(worst) of \(scale)",
                                  file: file, line: line)
            }
        }
    }

    private func lrp(_ options: [String: OptionValue]) -> (ExplainedModel) throws -> any AttributionMethod {
        { try LRP.make($0, options: options) }
    }

    func testEpsilonRule() throws {
        try compare({ LRPEpsilon($0, epsilon: 0.01) }, reference: { net, x, c in
            net.relevance(x, class: c, rule: { _, _ in ReferenceNetwork.epsilon(0.01) }, proportionalPooling: false)
        }, "LRP-ε")
    }

    func testAlphaBetaRules() throws {
        for alpha in [1.0, 2.0, 3.0] {
            try compare({ try LRPAlphaBeta($0, alpha: Float(alpha)) }, reference: { net, x, c in
                net.relevance(x, class: c, rule: { _, _ in ReferenceNetwork.alphaBeta(alpha, alpha - 1) }, proportionalPooling: false)
            }, "LRP-α\(alpha)")
        }
    }

    func testGammaWSquareAndFlatComposites() throws {
        try compare(lrp(["composite": .string("Gamma"), "gamma": .double(0.5)]), reference: { net, x, c in
            net.relevance(x, class: c, rule: { _, _ in ReferenceNetwork.gamma(0.5) }, proportionalPooling: false)
        }, "LRP-γ")
        try compare(lrp(["composite": .string("WSquare")]), reference: { net, x, c in
            net.relevance(x, class: c, rule: { _, _ in ReferenceNetwork.squares(flat: false) }, proportionalPooling: false)
        }, "w²")
        try compare(lrp(["composite": .string("Flat")]), reference: { net, x, c in
            net.relevance(x, class: c, rule: { _, _ in ReferenceNetwork.squares(flat: true) }, proportionalPooling: false)
        }, "flat")
    }

    /// Zennit-style composites: different rules for dense, conv and the input layer.
    func testNamedCompositesAndRulesPerLayer() throws {
        func isConv(_ name: String) -> Bool { name.hasPrefix("conv") }
        try compare(lrp(["composite": .string("EpsilonPlus"), "epsilon": .double(0.05)]), reference: { net, x, c in
            net.relevance(x, class: c, rule: { name, _ in isConv(name) ? ReferenceNetwork.alphaBeta(1, 0) : ReferenceNetwork.epsilon(0.05) },
                          proportionalPooling: false)
        }, "EpsilonPlus")
        try compare(lrp(["composite": .string("EpsilonAlpha2Beta1")]), reference: { net, x, c in
            net.relevance(x, class: c, rule: { name, _ in isConv(name) ? ReferenceNetwork.alphaBeta(2, 1) : ReferenceNetwork.epsilon(1e-6) },
                          proportionalPooling: false)
        }, "EpsilonAlpha2Beta1")
        try compare(lrp(["composite": .string("EpsilonPlusFlat")]), reference: { net, x, c in
            net.relevance(x, class: c, rule: { name, input in
                input ? ReferenceNetwork.squares(flat: true) : isConv(name) ? ReferenceNetwork.alphaBeta(1, 0) : ReferenceNetwork.epsilon(1e-6)
            }, proportionalPooling: false)
        }, "EpsilonPlusFlat")
        try compare(lrp(["composite": .string("EpsilonGammaBox"), "gamma": .double(0.3), "low": .double(-0.5), "high": .double(1.5)]),
                    reference: { net, x, c in
            net.relevance(x, class: c, rule: { name, input in
                input ? ReferenceNetwork.bounded(low: -0.5, high: 1.5) : isConv(name) ? ReferenceNetwork.gamma(0.3) : ReferenceNetwork.epsilon(1e-6)
            }, proportionalPooling: false)
        }, "EpsilonGammaBox")
        // Rules by kind and by name on top of a composite: the name wins over the kind.
        let rules: OptionValue = .table([OptionEntry("dense", .string("epsilon(0.2)")), OptionEntry("conv", .string("alphaBeta(2)")),
                                         OptionEntry("logits", .string("zPlus")), OptionEntry("input", .string("zB(0, 2)"))])
        try compare(lrp(["composite": .string("Epsilon"), "rules": rules]), reference: { net, x, c in
            net.relevance(x, class: c, rule: { name, input in
                if name == "logits" { return ReferenceNetwork.alphaBeta(1, 0) }
                if input { return ReferenceNetwork.bounded(low: 0, high: 2) }
                return isConv(name) ? ReferenceNetwork.alphaBeta(2, 1) : ReferenceNetwork.epsilon(0.2)
            }, proportionalPooling: false)
        }, "rules per kind and name")
    }

    func testDeepTaylor() throws {
        try compare({ try DeepTaylor($0, low: 0, high: 1) }, reference: { net, x, c in
            net.relevance(x, class: c, rule: { _, input in input ? ReferenceNetwork.bounded(low: 0, high: 1) : ReferenceNetwork.alphaBeta(1, 0) },
                          proportionalPooling: true)
        }, "deep Taylor")
    }

    func testDeepLiftAgainstTheReference() throws {
        try compare({ DeepLift($0, baseline: .constant(0.2)) }, reference: { net, x, c in
            net.deepLift(x, reference: [Double](repeating: 0.2, count: x.count), class: c)
        }, "DeepLIFT")
    }

    func testRevealCancelAgainstTheReferenceAndSummationToDelta() throws {
        for (name, network) in try Self.networks() where !network.layers.contains(where: { $0.kind == .maxpool }) {
            let x = Self.inputs(for: network)
            let e = try DeepLiftRevealCancel(try ExplainedModel(network), baseline: .constant(0.3)).attribute(x)
            let slow = ReferenceNetwork(network)
            let per = x.count / x.shape[0]
            for i in 0..<x.shape[0] {
                let expected = slow.revealCancel(x.scalars[(i * per)..<((i + 1) * per)].map(Double.init),
                                                 reference: [Double](repeating: 0.3, count: per), class: e.targets[i])
                let got = e.attributions.scalars[(i * per)..<((i + 1) * per)].map(Double.init)
                let scale = max(expected.map(abs).max() ?? 0, 1e-6)
                XCTAssertLessThan(zip(got, expected).map { abs($0 - $1) }.max()!, 1e-4 * scale, "\(name), image \(i)")
                XCTAssertEqual(e.sumPerImage[i], e.expectedSums[i], accuracy: 1e-5 * max(1, abs(e.expectedSums[i])), "\(name), image \(i)")
            }
            // It differs from Rescale (else it would add nothing).
            let rescale = try DeepLift(try ExplainedModel(network), baseline: .constant(0.3)).attribute(x)
            XCTAssertFalse(rescale.isClose(to: e, absolute: 1e-6, relative: 1e-4), name)
        }
        // Max pooling is refused clearly.
        XCTAssertThrowsError(try DeepLiftRevealCancel(try ExplainedModel(try TestNetworks.conv(pooling: "max"))).attribute(
            TestNetworks.randomInputs([1, 1, 6, 6], seed: 1))) { XCTAssertTrue("\($0)".contains("pool1"), "\($0)") }
    }

    /// Summation to delta: exact (to float tolerance) on every network without max pooling.
    func testDeepLiftSumsToTheDelta() throws {
        for (name, network) in try Self.networks() where !network.layers.contains(where: { $0.kind == .maxpool }) {
            let x = Self.inputs(for: network)
            for baseline in [Reference.zeros, .constant(0.4), .image(Self.inputs(for: network, count: 1, seed: 3))] {
                let e = try DeepLift(try ExplainedModel(network), baseline: baseline).attribute(x)
                XCTAssertEqual(e.receipt, .summationToDelta)
                for (i, (sum, delta)) in zip(e.sumPerImage, e.expectedSums).enumerated() {
                    XCTAssertEqual(sum, delta, accuracy: 1e-5 * max(1, abs(delta)), "\(name), image \(i), reference \(baseline.label)")
                }
                XCTAssertLessThan(e.receiptError!, 1e-5)
            }
        }
    }

    /// Without biases, z⁺, deep Taylor and LRP-0 conserve relevance exactly: Σ R = f(x). (αβ with
    /// β > 0 does not: a unit without negative contributions, z⁻ = 0, passes α·R instead of R.)
    func testConservationWithoutBiases() throws {
        for (name, network) in try Self.networks() where network.parameters.allSatisfy({ !$0.name.hasSuffix(".bias") }) {
            let x = Self.inputs(for: network)
            let model = try ExplainedModel(network, output: .reluLogit)
            let methods: [(String, any AttributionMethod)] = [
                ("z⁺", try LRPAlphaBeta(model, alpha: 1)),
                ("deep Taylor", try DeepTaylor(model)), ("LRP-ε (ε = 0)", LRPEpsilon(model, epsilon: 0)),
            ]
            for (label, method) in methods {
                let e = try method.attribute(x, targets: .predicted, monitor: .none)
                XCTAssertEqual(e.receipt, .conservation)
                for (i, (sum, f)) in zip(e.sumPerImage, e.outputs).enumerated() where f > 1e-3 {
                    XCTAssertEqual(sum, f, accuracy: 1e-5 * max(1, f), "\(label) on \(name), image \(i)")
                }
            }
        }
    }

    /// With biases, relevance leaks: the receipt says how much (and is not pretending).
    func testBiasesAbsorbRelevanceAndTheReceiptShowsIt() throws {
        let network = try TestNetworks.dense(bias: true)
        let e = try LRPAlphaBeta(try ExplainedModel(network, output: .reluLogit), alpha: 1).attribute(Self.inputs(for: network))
        XCTAssertGreaterThan(e.receiptError!, 1e-4)
    }

    /// Relevance starts at f(x) for every explained output (chapter 2.3 starts from p_c).
    func testRelevanceStartsFromTheExplainedValue() throws {
        let network = try TestNetworks.dense(bias: false)
        let x = Self.inputs(for: network)
        for output in [ExplainedOutput.probability, .logit] {
            let e = try LRPEpsilon(try ExplainedModel(network, output: output), epsilon: 0).attribute(x, targets: .class(1))
            let logits = try network.forward(x)
            for i in 0..<x.shape[0] {
                let row = Array(logits.scalars[(i * 4)..<((i + 1) * 4)]).map(Double.init)
                let p = exp(row[1]) / row.map(exp).reduce(0, +)
                XCTAssertEqual(Double(e.outputs[i]), output == .probability ? p : row[1], accuracy: 1e-5)
            }
            // Relevance is linear in the seed: the probability map is the logit map scaled by p_c / S_c.
            if output == .probability {
                let logit = try LRPEpsilon(try ExplainedModel(network), epsilon: 0).attribute(x, targets: .class(1))
                for i in 0..<(x.count) {
                    let image = i / 6
                    let scale = e.outputs[image] / logit.outputs[image]
                    XCTAssertEqual(e.attributions.scalars[i], logit.attributions.scalars[i] * scale,
                                   accuracy: 1e-5 * max(1, abs(e.attributions.scalars[i])))
                }
            }
        }
    }

    /// A channel of a layer: relevance starts from that channel's own activations.
    func testRelevanceOfALayerChannel() throws {
        let network = try TestNetworks.conv(pooling: "avg", bias: false)
        let x = Self.inputs(for: network)
        let e = try DeepTaylor(try ExplainedModel(network)).attribute(x, targets: .channel(2, layer: "conv2"))
        let totals = try FeatureChannels.totals(of: try ExplainedModel(network), inputs: x.rows(0..<1), layer: "conv2")
        XCTAssertEqual(Double(e.outputs[0]), totals[2], accuracy: 1e-5)
        XCTAssertEqual(e.sumPerImage[0], e.outputs[0], accuracy: 1e-4 * max(1, e.outputs[0]))
    }
}
