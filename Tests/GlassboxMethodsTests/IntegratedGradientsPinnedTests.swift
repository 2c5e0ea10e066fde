import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

/// Plain integrated gradients on a fixed small conv network and fixed inputs, compared with numbers
/// computed once and written here: a refactor of the path, the batching, the backward pass or the
/// kernels that changes what integrated gradients return fails this test.
///
/// The weights and inputs come from an integer formula (not from the layers' initialisers or a random
/// generator), so only integrated gradients and the passes it runs on are pinned.
final class IntegratedGradientsPinnedTests: XCTestCase {
    /// The value k of a sequence seeded by `seed`: a multiple of 1/512 in [-scale, scale), distinct
    /// for neighbouring k, computed in integers (the same on every machine).
    static func fixedValue(_ k: Int, seed: Int, scale: Float) -> Float {
        let hashed = (k &* 2_654_435_761 &+ seed &* 40_503) & 0xFFFF_FFFF
        let level = (hashed >> 7) % 1024
        return Float(level - 512) / 512 * scale
    }

    /// 1×6×6 → conv 3 (3×3 SAME) → ReLU → max pool 2/2 → conv 4 (2×2 VALID) → ReLU → flatten →
    /// dense 3, with every weight and bias set by `fixedValue`.
    static func network() throws -> Sequential {
        var rng = SeededRandom(seed: 1)
        let network = try Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 3, kernel: (3, 3), stride: (1, 1), padding: .same, bias: true, rng: &rng),
            ReLU(name: "relu1"), MaxPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same),
            Conv2D(name: "conv2", inChannels: 3, outChannels: 4, kernel: (2, 2), stride: (1, 1), padding: .valid, bias: true, rng: &rng),
            ReLU(name: "relu2"), Flatten(name: "flatten"),
            Dense(name: "logits", inputs: 16, outputs: 3, bias: true, rng: &rng),
        ], inputShape: [1, 6, 6])
        for (index, parameter) in network.parameters.enumerated() {
            let scale: Float = parameter.name.hasSuffix(".bias") ? 0.1 : 0.6
            parameter.value = Tensor(shape: parameter.value.shape,
                                     scalars: (0..<parameter.value.count).map { fixedValue($0, seed: index + 1, scale: scale) })
        }
        return network
    }

    /// Two 1×6×6 images with values in [0, 1).
    static func inputs() -> Tensor {
        Tensor(shape: [2, 1, 6, 6], scalars: (0..<72).map { fixedValue($0, seed: 97, scale: 0.5) + 0.5 })
    }

    /// The stored maps, image after image, row by row (16 right-Riemann steps), printed once with
    /// Swift's shortest round-trip Float formatting.
    /// Zero baseline, targets 0 and 2.
    static let zeroBaselineMaps: [Float] = [
        0.0008885267, -0.031490352, -0.009946667, -0.0082793245, 0.03922247, 0.111892566,
        0.010041644, 0.0038915426, -0.064208, -0.11020411, -0.11081635, 0.01681913,
        -0.03430948, 0.03550015, 0.007299031, 0.009697974, -0.059433334, -0.1185783,
        -0.026384808, 0.17232686, 0.09077761, 0.050232187, 0.09819385, -0.5085156,
        -0.02711787, -0.052981276, -0.04653754, 0.07959728, 0.053617552, 0.08962886,
        -0.000869139, 0.026992116, -0.09124537, 0.028839292, -0.0015961233, 0.1489468,
        -0.028401643, 0.010350567, -0.0019982818, 0.1817604, 0.0069353627, 0.020019677,
        0.015707485, -0.095898874, -0.077991255, -0.015275337, -0.0020401503, -0.01325319,
        -0.0010959738, 0.03438086, -0.19201544, 0.29492384, 0.008495614, -0.015007745,
        -0.07213614, 0.0321294, 0.07544845, -0.004070086, 0.044629086, -0.018249348,
        0.016734844, -0.048838172, -0.10275634, -0.037390858, -0.018143466, 0.07885765,
        0.013125704, -0.002091661, 0.0008340031, -0.09496553, 0.019707007, 0.05846924,
    ]
    /// Baseline 0.25 everywhere, target 1 for both images.
    static let constantBaselineMaps: [Float] = [
        -0.014411941, -0.040456798, -0.012865617, -0.0052299574, -0.12747346, -0.0816409,
        0.008659667, -0.010136003, -0.09432855, 0.0006173871, 0.021531729, 0.011577263,
        -0.0042319885, 0.020671653, 0.0025698708, 0.007839863, 0.009549909, -0.008997451,
        -0.00022036173, 0.1303574, 0.027133545, 0.006136641, 0.0006687782, 0.015270417,
        -0.009163624, -0.012957633, 0.015392824, 0.09182976, 0.011719722, -0.0014591,
        -2.2000136e-06, 0.003875491, -0.029770404, 0.003392582, -0.014125775, 0.0019328895,
        -0.006069105, 0.00021206969, 0.0012498361, -0.106743395, -0.011620419, -0.0027382085,
        -0.002578928, 0.03040217, 0.01158127, -0.014221589, -0.1260438, -0.0058070756,
        0.0002751414, 0.006481911, 0.014634402, -0.039102692, 0.0072398675, 0.0060636015,
        -0.01135672, -0.009469053, -0.002446569, -0.022631919, -0.01477791, -0.009849927,
        -4.3939574e-05, -0.035434853, 0.012096103, 0.022564331, -0.0060829218, -0.082510315,
        -0.0012833347, 0.0031188398, 0.013840275, 0.1120278, 0.009413471, 0.0008335639,
    ]
    /// f(x) of the zero-baseline call (logits 0 and 2); f(x) and f(b) of the constant-baseline call (logit 1).
    static let zeroBaselineOutputs: [Float] = [-0.09085699, -0.009841337]
    static let constantBaselineOutputs: [Float] = [-0.14273542, -0.3208305]
    static let constantBaselineReferenceOutputs: [Float] = [-0.066283464, -0.066283464]

    /// Each value within 1e-6 of the stored one, relative to its size (at least 1e-3 of the map's largest).
    private func assertClose(_ actual: [Float], _ expected: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
        let floor = 1e-3 * (expected.map(abs).max() ?? 0)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            XCTAssertLessThanOrEqual(abs(a - e), 1e-6 * Swift.max(abs(e), floor), "\(what)[\(i)]: \(a) instead of \(e)", file: file, line: line)
        }
    }

    func testPlainIntegratedGradientsMatchTheStoredNumbers() throws {
        let model = try ExplainedModel(Self.network())
        let x = Self.inputs()
        let zero = try IntegratedGradients(model, steps: 16).attribute(x, targets: .classes([0, 2]))
        let constant = try IntegratedGradients(model, steps: 16, baseline: .constant(0.25)).attribute(x, targets: .classes([1, 1]))
        XCTAssertEqual(zero.attributions.shape, [2, 1, 6, 6])
        assertClose(zero.attributions.scalars, Self.zeroBaselineMaps, "zero baseline")
        assertClose(constant.attributions.scalars, Self.constantBaselineMaps, "constant baseline")
        assertClose(zero.outputs, Self.zeroBaselineOutputs, "f(x)")
        assertClose(constant.outputs, Self.constantBaselineOutputs, "f(x)")
        assertClose(constant.baselineOutputs ?? [], Self.constantBaselineReferenceOutputs, "f(b)")
        // The same numbers whatever the internal batch (one path point per pass, or all of them).
        let oneRow = try IntegratedGradients(ExplainedModel(Self.network(), batchSize: 1), steps: 16).attribute(x, targets: .classes([0, 2]))
        assertClose(oneRow.attributions.scalars, Self.zeroBaselineMaps, "zero baseline, one row per pass")
    }
}
