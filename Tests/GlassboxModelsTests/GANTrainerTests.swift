import GlassboxData
import GlassboxEngine
import XCTest
import GlassboxModels

final class GANTrainerTests: XCTestCase {
    private func networks(seed: UInt64) throws -> GANTrainer {
        let classifier = try Architecture(name: "c", inputShape: [1, 2, 2], layers: [
            .flatten(name: "flatten"), .dense(name: "fc1", inputs: 4, outputs: 3, bias: true), .relu(name: "code"),
            .dense(name: "logits", inputs: 3, outputs: 2, bias: true),
        ]).build(seed: seed)
        // Positive biases keep the code ReLUs active, so finite differences see a smooth function.
        classifier.parameters[1].value = Tensor(shape: [3], scalars: [0.5, 0.6, 0.7])
        let generator = try Architecture(name: "g", inputShape: [3], layers: [
            .dense(name: "fc1", inputs: 3, outputs: 4, bias: true), .sigmoid(name: "sigmoid"), .reshape(name: "image", shape: [1, 2, 2]),
        ]).build(seed: seed + 1)
        let discriminator = try Architecture(name: "d", inputShape: [1, 2, 2], layers: [
            .flatten(name: "flatten"), .dense(name: "fc1", inputs: 4, outputs: 3, bias: true), .tanh(name: "tanh"),
            .dense(name: "fc2", inputs: 3, outputs: 1, bias: true), .sigmoid(name: "sigmoid"),
        ]).build(seed: seed + 2)
        return try GANTrainer(generator: generator, discriminator: discriminator, classifier: classifier, codeLayer: "code")
    }

    private let images = Tensor(shape: [3, 1, 2, 2], scalars: [0.9, 0.1, 0.8, 0.2, 0.1, 0.9, 0.3, 0.7, 0.5, 0.5, 0.6, 0.4])

    private func checkGradients(of parameters: [Parameter], loss: () throws -> Float, line: UInt = #line) throws {
        for p in parameters { p.zeroGradient() }
        _ = try loss()
        let analytic = parameters.map(\.gradient)
        let h: Float = 1e-2
        for (p, gradient) in zip(parameters, analytic) {
            for i in 0..<p.value.count {
                let original = p.value.scalars[i]
                p.value.scalars[i] = original + h
                let plus = try loss()
                p.value.scalars[i] = original - h
                let minus = try loss()
                p.value.scalars[i] = original
                let numeric = (plus - minus) / (2 * h)
                XCTAssertEqual(gradient.scalars[i], numeric, accuracy: 2e-3 + 0.01 * abs(numeric), "\(p.name)[\(i)]", line: line)
            }
        }
    }

    func testGeneratorGradientMatchesFiniteDifferences() throws {
        let trainer = try networks(seed: 3)
        let codes = try trainer.codes(for: images)
        XCTAssertEqual(codes.shape, [3, 3])
        try checkGradients(of: trainer.generator.parameters) {
            try trainer.accumulateGeneratorGradient(images: images, codes: codes)
        }
        // The frozen networks collect no gradient from the generator loss.
        XCTAssertTrue(trainer.classifier.parameters.allSatisfy { $0.gradient.scalars.allSatisfy { $0 == 0 } })
        XCTAssertTrue(trainer.discriminator.parameters.allSatisfy { $0.gradient.scalars.allSatisfy { $0 == 0 } })
    }

    func testDiscriminatorGradientMatchesFiniteDifferences() throws {
        let trainer = try networks(seed: 5)
        let fake = try trainer.generator.forward(try trainer.codes(for: images))
        try checkGradients(of: trainer.discriminator.parameters) {
            try trainer.accumulateDiscriminatorGradient(real: images, fake: fake)
        }
    }

    func testLossesByHandForAConstantDiscriminator() throws {
        // With D's last weights zero, D(·) = sigmoid(bias) = 1/2 everywhere: L_D = −2 log(1/2 + δ) ≈ 2 ln 2.
        let trainer = try networks(seed: 7)
        for p in trainer.discriminator.parameters where p.name.hasPrefix("fc2") { p.value = Tensor(zeros: p.value.shape) }
        let fake = try trainer.generator.forward(try trainer.codes(for: images))
        XCTAssertEqual(try trainer.accumulateDiscriminatorGradient(real: images, fake: fake), Float(2 * log(2.0)), accuracy: 1e-5)
        // L_G = ln 2 + ½Σ(x̂ − x)² + ½Σ(E(x̂) − E(x))².
        let codes = try trainer.codes(for: images)
        let pixel = zip(fake.scalars, images.scalars).reduce(0.0) { $0 + 0.5 * Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        let fakeCodes = try trainer.codes(for: fake)
        let feature = zip(fakeCodes.scalars, codes.scalars).reduce(0.0) { $0 + 0.5 * Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        XCTAssertEqual(Double(try trainer.accumulateGeneratorGradient(images: images, codes: codes)), log(2.0) + pixel + feature, accuracy: 1e-5)
    }

    func testTrainingReducesTheGeneratorLossAndLeavesTheClassifierAlone() throws {
        let trainer = try networks(seed: 11)
        let before = trainer.classifier.parameters.map(\.value)
        var rng = SeededRandom(seed: 1)
        let data = try LabelledImages(images: Tensor(shape: [64, 1, 2, 2], scalars: (0..<256).map { _ in rng.nextUniform() }),
                                      labels: [Int](repeating: 0, count: 64))
        let history = try trainer.train(on: data, epochs: 30, batchSize: 16)
        XCTAssertEqual(history.count, 30)
        XCTAssertLessThan(history.last!.generatorLoss, history.first!.generatorLoss)
        XCTAssertEqual(trainer.classifier.parameters.map(\.value), before)
        XCTAssertEqual(trainer.generatorOptimizer.stepCount, 120)
        XCTAssertEqual(trainer.discriminatorOptimizer.stepCount, 120)
    }

    func testZooGANFitsMLPA() throws {
        let classifier = try ModelZoo.entry(named: "mlp-a").architecture.build(seed: 1)
        let generator = try ModelZoo.entry(named: "gan-g").architecture.build(seed: 2)
        let discriminator = try ModelZoo.entry(named: "gan-d").architecture.build(seed: 3)
        let trainer = try GANTrainer(generator: generator, discriminator: discriminator, classifier: classifier)
        let (g, d) = try trainer.step(Tensor(repeating: 0.3, shape: [2, 1, 28, 28]))
        XCTAssertTrue(g.isFinite && d.isFinite)
        XCTAssertThrowsError(try GANTrainer(generator: generator, discriminator: discriminator, classifier: classifier, codeLayer: "relu1"))
    }
}

final class TrainingBadInputTests: XCTestCase {
    func testWrongSizedBatchesThrowInsteadOfTrapping() throws {
        let model = try ModelZoo.entry(named: "mlp-a").architecture.build(seed: 1)
        let trainer = Trainer(model: model)
        let small = try LabelledImages(images: Tensor(zeros: [2, 1, 5, 5]), labels: [0, 1])
        XCTAssertThrowsError(try trainer.step(small))
        let gan = try GANTrainer(generator: try ModelZoo.entry(named: "gan-g").architecture.build(seed: 2),
                                 discriminator: try ModelZoo.entry(named: "gan-d").architecture.build(seed: 3),
                                 classifier: model)
        XCTAssertThrowsError(try gan.step(Tensor(zeros: [2, 1, 5, 5])))
        XCTAssertThrowsError(try gan.codes(for: Tensor(zeros: [3, 7])))
        XCTAssertThrowsError(try gan.accumulateDiscriminatorGradient(real: Tensor(zeros: [2, 1, 28, 28]), fake: Tensor(zeros: [3, 1, 28, 28])))
    }
}
