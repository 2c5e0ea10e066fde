import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxMethods
import GlassboxModels
import XCTest

/// Same image, same map: on every bundled classifier and with every method of the catalog, an
/// image's map is bit-identical alone, in a batch, at another position of a permuted batch and
/// beside a copy of itself. MNIST digits have saturated strokes, so max-pool windows hold exactly
/// tied activations; these tests fail whenever a product rounds the same patch differently at
/// different positions (the tie then breaks another way and the gradient goes elsewhere).
///
/// CI runs this class once more per OpenBLAS kernel family, thread count and uniform product kernel
/// (`make test-invariance`), each a separate invocation of the test binary, and checks that the
/// maps' digests (written to `$GLASSBOX_MAPS_DIGEST`) are the same in every run.
final class SameImageSameMapTests: XCTestCase {
    nonisolated(unsafe) private static var cachedImages: LabelledImages?

    /// One training image per digit (index 3, as the reproduction), from MNIST.
    private static func digits() throws -> LabelledImages {
        if let cachedImages { return cachedImages }
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shared = checkout.deletingLastPathComponent().appendingPathComponent("shared/data/mnist", isDirectory: true)
        let explicit = FileManager.default.fileExists(atPath: shared.path) ? shared : nil
        let mnist = try MNIST.load(locator: MNISTLocator(explicitDirectory: explicit, downloader: nil))
        let images = try mnist.train.perDigit(index: 3)
        cachedImages = images
        return images
    }

    /// The bundled classifiers (the generator is not one).
    private static func classifiers() throws -> [(String, Sequential)] {
        let store = ModelStore(environment: [:])
        return try ["cnn-max-b", "cnn-max-nb", "cnn-do", "allconv", "cnn-stride", "cnn-stride-c", "cnn-avg-nb", "mlp-a",
                    "mlp-b", "mlp-nb"].map { name in (name, try store.load(name).model) }
    }

    /// Options that keep the many-pass methods short (the property does not depend on the count).
    private static func options(for declaration: MethodDeclaration) -> [String: OptionValue] {
        var options: [String: OptionValue] = [:]
        for option in declaration.options {
            if option.name == "steps" { options["steps"] = .int(6) }
            if option.name == "samples" { options["samples"] = .int(5) }
        }
        return options
    }

    private func rows(_ tensor: Tensor, _ indices: [Int]) -> Tensor {
        let per = tensor.count / tensor.shape[0]
        var values: [Float] = []
        for i in indices { values += tensor.scalars[(i * per)..<((i + 1) * per)] }
        return Tensor(shape: [indices.count] + Array(tensor.shape.dropFirst()), scalars: values)
    }

    /// FNV-1a over the maps' bit patterns.
    private static func digest(_ tensor: Tensor) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for value in tensor.scalars { hash = (hash ^ UInt64(value.bitPattern)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
    }

    private func sameBits(_ a: Tensor, _ b: Tensor) -> Bool {
        a.shape == b.shape && a.scalars.elementsEqual(b.scalars, by: { $0.bitPattern == $1.bitPattern })
    }

    func testAnImageAloneInABatchAndPermutedGetsTheSameMapWithEveryMethodAndModel() throws {
        let digits = try Self.digits()
        let labels = digits.labels
        let permutation = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4]
        var checked = 0
        var digests: [String] = []
        for (name, network) in try Self.classifiers() {
            let inputs = digits.images.reshaped([digits.count] + network.inputShape)
            // PatternNet and PatternAttribution need the model's signal patterns (any will do here).
            network.signalPatterns = try PatternLearning.learn(network, images: inputs)
            // Three rows per pass: the batch is cut into chunks that put images at other positions.
            let model = try ExplainedModel(network, batchSize: 3)
            for method in MethodCatalog.all {
                let declaration = method.declaration
                let explainer: any AttributionMethod
                do {
                    explainer = try method.make(model, options: Self.options(for: declaration))
                } catch {
                    continue  // a method that refuses this model (e.g. RevealCancel with max-pooling)
                }
                let batch: Explanation
                do {
                    batch = try explainer.attribute(inputs, targets: .classes(labels), monitor: .none)
                } catch {
                    // Refusals are about the model, never the batch: one image is refused too.
                    XCTAssertThrowsError(try explainer.attribute(rows(inputs, [0]), targets: .classes([labels[0]]), monitor: .none),
                                         "\(name) \(declaration.id)")
                    continue
                }
                let permuted = try explainer.attribute(rows(inputs, permutation), targets: .classes(permutation.map { labels[$0] }),
                                                       monitor: .none)
                XCTAssertTrue(sameBits(permuted.attributions, rows(batch.attributions, permutation)),
                              "\(name) \(declaration.id): permuting the batch must permute the maps exactly")
                for i in 0..<digits.count {
                    let alone = try explainer.attribute(rows(inputs, [i]), targets: .classes([labels[i]]), monitor: .none)
                    XCTAssertTrue(sameBits(alone.attributions, rows(batch.attributions, [i])),
                                  "\(name) \(declaration.id): digit \(labels[i]) alone differs from its row in the batch")
                }
                checked += 1
                digests.append("\(name) \(declaration.id) \(Self.digest(batch.attributions))")
            }
        }
        XCTAssertGreaterThan(checked, 100, "most methods explain most bundled models")
        // CI compares these across runs with other kernels and thread counts: they must be equal.
        if let path = ProcessInfo.processInfo.environment["GLASSBOX_MAPS_DIGEST"], !path.isEmpty {
            try (digests.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    func testTwoCopiesOfAnImageGetEqualMapsAndLogits() throws {
        // The reproduction: digit 8 dimmed to 14/50 on CNN-MAX-B, stacked with itself.
        let digits = try Self.digits()
        let network = try ModelStore(environment: [:]).load("cnn-max-b").model
        let inputs = digits.images.reshaped([digits.count] + network.inputShape)
        let x = rows(inputs, [8]).scalars.map { $0 * (14 / 50) }
        let pair = Tensor(shape: [2] + network.inputShape, scalars: x + x)
        let logits = try network.forward(pair)
        XCTAssertTrue(sameBits(rows(logits, [0]), rows(logits, [1])))
        let map = try Saliency(try ExplainedModel(network), absolute: false).attribute(pair, targets: .class(8))
        XCTAssertTrue(sameBits(rows(map.attributions, [0]), rows(map.attributions, [1])))
        XCTAssertGreaterThan(map.attributions.scalars.map(abs).max() ?? 0, 0)
    }

    func testIntegratedGradientsEqualGradientTimesInputOnBiasFreeReLUModels() throws {
        // With a zero baseline, every activation of a bias-free ReLU (max- or average-pooling)
        // network scales with α, so the gradient is the same at every point of the path and
        // integrated gradients equal gradient × input: the tied max-pool cells stay tied along
        // the path only if products treat identical patches identically.
        let digits = try Self.digits()
        for name in ["cnn-max-nb", "cnn-avg-nb", "mlp-nb"] {
            let network = try ModelStore(environment: [:]).load(name).model
            let inputs = digits.images.reshaped([digits.count] + network.inputShape)
            let model = try ExplainedModel(network)
            let ig = try IntegratedGradients(model, steps: 50).attribute(inputs, targets: .classes(digits.labels))
            let gxi = try GradientTimesInput(model).attribute(inputs, targets: .classes(digits.labels))
            let scale = gxi.attributions.scalars.map(abs).max() ?? 0
            let gap = zip(ig.attributions.scalars, gxi.attributions.scalars).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertGreaterThan(scale, 0, name)
            XCTAssertLessThanOrEqual(gap, 1e-5 * scale, "\(name): integrated gradients differ from gradient × input by \(gap)")
        }
    }
}
