import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxMethods
import GlassboxModels
import XCTest

/// Chapters 1.1 and 1.3 on real MNIST with the bundled weights (release mode: thousands of steps).
final class ActivationMaximizationTests: XCTestCase {
    private static var checkout: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    private static func loadMNIST() throws -> MNIST {
        let shared = checkout.deletingLastPathComponent().appendingPathComponent("shared/data/mnist", isDirectory: true)
        let explicit = FileManager.default.fileExists(atPath: shared.path) ? shared : nil
        return try MNIST.load(locator: MNISTLocator(explicitDirectory: explicit, downloader: nil))
    }

    /// The reference's plateau of the chapter-1.1 cost (steps 2,500 to 5,000).
    static let referencePlateau: Float = 0.004842

    func testTheChapterOneOneRecipeReachesTheReferencePlateauAndEveryPrototypeIsItsClass() throws {
        let mnist = try Self.loadMNIST()
        let net = try ModelStore(environment: [:]).load("mlp-a").model
        let means = try mnist.train.classMeanImages(classes: 10).reshaped([10, 1, 28, 28])
        let result = try ClassPrototype(net, objective: .crossEntropyToMeans(means: means, lambda: 0.1), steps: 5000, reportEvery: 500).run()
        print("chapter 1.1 costs: " + result.costs.map { "\($0.step): \($0.cost)" }.joined(separator: ", "))
        let final = try XCTUnwrap(result.costs.last?.cost)
        XCTAssertLessThan(final, 2 * Self.referencePlateau, "final cost \(final)")
        XCTAssertGreaterThan(final, Self.referencePlateau / 2, "final cost \(final): the pull to the means should keep it near the plateau")
        let probabilities = try Activations.softmax(try net.forward(result.prototypes))
        for c in 0..<10 {
            XCTAssertGreaterThan(probabilities.scalars[c * 10 + c], 0.99, "prototype of \(c)")
        }
    }

    func testTheClassMeanPullIsMeasured() throws {
        // The distance of each prototype to its class mean falls as λ grows.
        let mnist = try Self.loadMNIST()
        let net = try ModelStore(environment: [:]).load("mlp-a").model
        let means = try mnist.train.classMeanImages(classes: 10).reshaped([10, 1, 28, 28])
        var distances: [Double] = []
        for lambda: Float in [0.01, 0.1, 1] {
            let p = try ClassPrototype(net, objective: .crossEntropyToMeans(means: means, lambda: lambda), steps: 2000).run().prototypes
            var d = 0.0
            for j in 0..<p.count { d += pow(Double(p.scalars[j] - means.scalars[j]), 2) }
            distances.append((d / 10).squareRoot())
        }
        print("RMS distance to the class means per prototype for λ = 0.01, 0.1, 1: \(distances)")
        XCTAssertLessThan(distances[1], distances[0])
        XCTAssertLessThan(distances[2], distances[1])
    }

    func testAShortSeededGANTrainingOnASubsetLowersItsLossesAndRepeats() throws {
        let mnist = try Self.loadMNIST()
        let classifier = try ModelStore(environment: [:]).load("mlp-a").model
        let subset = try mnist.train[0..<2000]
        func train() throws -> (GANTrainer, [GANEpochSummary]) {
            let trainer = try GANTrainer(generator: try ModelZoo.entry(named: "gan-g").architecture.build(seed: 5),
                                         discriminator: try ModelZoo.entry(named: "gan-d").architecture.build(seed: 6),
                                         classifier: classifier, seed: 5)
            return (trainer, try trainer.train(on: subset, epochs: 3, batchSize: 100))
        }
        let (trainer, history) = try train()
        print("GAN on 2,000 images: " + history.map { "G \($0.generatorLoss) D \($0.discriminatorLoss)" }.joined(separator: "; "))
        XCTAssertLessThan(history[1].generatorLoss, history[0].generatorLoss)
        XCTAssertLessThan(history[2].generatorLoss, history[1].generatorLoss)
        XCTAssertLessThan(history[2].discriminatorLoss, history[0].discriminatorLoss)
        let (again, repeated) = try train()
        XCTAssertEqual(repeated, history.map { var h = $0; h.seconds = repeated[$0.epoch - 1].seconds; return h })
        XCTAssertEqual(again.generator.parameters.map(\.value), trainer.generator.parameters.map(\.value))
    }

    func testTheBundledGeneratorKeepsItsTrainingRecordAndInvertsTheCode() throws {
        let mnist = try Self.loadMNIST()
        let store = ModelStore(environment: [:])
        let classifier = try store.load("mlp-a").model
        let generator = try store.load("gan-g")
        let history = try XCTUnwrap(generator.info?.history, "gan-g.safetensors keeps no per-epoch record")
        XCTAssertEqual(history.count, 25)
        XCTAssertTrue(history.allSatisfy { $0.discriminatorLoss != nil })
        // Within a factor of two of the reference's last generator loss (1374.52), and falling.
        XCTAssertLessThan(history[24].loss, 2 * 1374.52)
        XCTAssertLessThan(history[24].loss, history[0].loss)
        // G(E(x)) is close to x: the mean squared pixel error on test images is far below that of the
        // class-mean image.
        let xs = try mnist.test[0..<500]
        let codes = try LayerActivations.collect(classifier, inputs: xs.images, layer: "relu2")
        let made = try generator.model.forward(codes)
        var error = 0.0, baseline = 0.0
        let mean = try xs.images.mean(alongAxis: 0)
        for i in 0..<xs.images.count {
            error += pow(Double(made.scalars[i] - xs.images.scalars[i]), 2)
            baseline += pow(Double(mean.scalars[i % 784] - xs.images.scalars[i]), 2)
        }
        print("G(E(x)) squared error \(error / 500) per image, mean image \(baseline / 500)")
        XCTAssertLessThan(error, 0.5 * baseline)
    }
}
