import XCTest
import GlassboxEngine
@testable import GlassboxModels

/// Uniform values in [low, high) from a fixed seed.
func layerTestTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextUniform(in: low, high) })
}

/// Distinct values spaced `gap` apart in a seeded shuffled order (no ties for max pooling, no
/// values near the ReLU kink when offset away from 0).
func distinctTensor(_ shape: [Int], seed: UInt64, gap: Float = 0.05) -> Tensor {
    var rng = SeededRandom(seed: seed)
    let n = shape.reduce(1, *)
    var values = (0..<n).map { Float($0 - n / 2) * gap + gap / 2 }
    values.shuffle(using: &rng)
    return Tensor(shape: shape, scalars: values)
}

/// Σ weights ⊙ tensor in double precision.
func weightedSum(_ t: Tensor, _ weights: Tensor) -> Double {
    zip(t.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Up to `limit` indices spread over 0..<count.
func sampledIndices(_ count: Int, limit: Int = 60) -> [Int] {
    count <= limit ? Array(0..<count) : (0..<limit).map { $0 * count / limit }
}

/// Compares a layer's backward pass (input and parameter gradients of L = Σ r ⊙ layer(x), r fixed
/// random) with central finite differences accumulated in double precision.
func checkLayerGradients(_ layer: any Layer, input: Tensor, eps: Float = 1e-2, tolerance: Double = 1e-2,
                         training: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
    func run(_ x: Tensor) throws -> (Tensor, Tensor?) {
        let context = ForwardContext(training: training, rng: SeededRandom(seed: 42))  // same mask each call
        let y = try layer.forward(x, context: context)
        return (y, context.auxiliary)
    }
    let (y, aux) = try run(input)
    let r = layerTestTensor(y.shape, seed: 999)
    for p in layer.parameters { p.zeroGradient() }
    let step = LayerStep(layer: layer, index: 0, input: input, output: y, auxiliary: aux)
    let dx = try layer.backward(r, step: step, accumulateParameterGradients: true)
    XCTAssertEqual(dx.shape, input.shape, "input gradient shape of \(layer.name)", file: file, line: line)

    func compare(_ analytic: Float, _ perturb: (Float) throws -> Double, what: String) rethrows {
        let numeric = (try perturb(eps) - (try perturb(-eps))) / (2 * Double(eps))
        let error = abs(Double(analytic) - numeric)
        let allowed = tolerance * max(abs(numeric), abs(Double(analytic))) + 2e-4
        if error > allowed {
            XCTFail("\(layer.name) \(what): analytic \(analytic) vs numeric \(numeric)", file: file, line: line)
        }
    }
    for i in sampledIndices(input.count) {
        try compare(dx.scalars[i], { delta in
            var x = input
            x.scalars[i] += delta
            return weightedSum(try run(x).0, r)
        }, what: "input[\(i)]")
    }
    for p in layer.parameters {
        let original = p.value
        for i in sampledIndices(original.count) {
            try compare(p.gradient.scalars[i], { delta in
                p.value.scalars[i] = original.scalars[i] + delta
                defer { p.value = original }
                return weightedSum(try run(input).0, r)
            }, what: "\(p.name)[\(i)]")
        }
    }
}

/// Rule sets for the rule tests (the named composites live with the methods, in GlassboxMethods).
extension RuleSet {
    static var guidedBackprop: RuleSet { RuleSet(name: "guided backprop", rulesByKind: [.relu: GuidedReLURule()]) }
    static var deconvnet: RuleSet { RuleSet(name: "deconvnet", rulesByKind: [.relu: DeconvnetReLURule()]) }
    static func lrpEpsilon(_ epsilon: Float) -> RuleSet {
        let rule = LRPEpsilonRule(epsilon: epsilon)
        return RuleSet(name: "LRP-ε", rulesByKind: [.dense: rule, .conv2d: rule, .avgpool: rule, .relu: PassThroughRule()])
    }
    static func lrpAlphaBeta(alpha: Float = 1, beta: Float = 0) -> RuleSet {
        let rule = LRPAlphaBetaRule(alpha: alpha, beta: beta)
        return RuleSet(name: "LRP-αβ", rulesByKind: [.dense: rule, .conv2d: rule, .relu: PassThroughRule(),
                                                    .avgpool: LRPEpsilonRule(epsilon: 1e-10)])
    }
    static func deepTaylor(low: Float = 0, high: Float = 1) -> RuleSet {
        let zPlus = LRPAlphaBetaRule()
        let pooling = ProportionalPoolingRule()
        return RuleSet(name: "deep Taylor", rulesByKind: [.dense: zPlus, .conv2d: zPlus, .maxpool: pooling, .avgpool: pooling,
                                                         .relu: PassThroughRule()],
                       inputLayerRule: LRPBoundedRule(low: low, high: high))
    }
    static var deepLiftRescale: RuleSet { RuleSet(name: "DeepLIFT rescale", rulesByKind: [.relu: DeepLiftRescaleRule()]) }
}
