import Foundation
import GlassboxData
import GlassboxEngine

/// Per-epoch means of the two GAN losses.
public struct GANEpochSummary: Sendable, Equatable {
    public var epoch: Int
    public var generatorLoss: Double
    public var discriminatorLoss: Double
    /// Wall-clock seconds the epoch took.
    public var seconds: Double

    public init(epoch: Int, generatorLoss: Double, discriminatorLoss: Double, seconds: Double = 0) {
        self.epoch = epoch
        self.generatorLoss = generatorLoss
        self.discriminatorLoss = discriminatorLoss
        self.seconds = seconds
    }
}

/// The chapter-1.3 generator training: a generator G learns to invert a frozen classifier's code
/// E(x) (the output of `codeLayer`, MLP-A's 100-unit `relu2`), against a discriminator D.
///
/// Per batch x, with e = E(x) and x̂ = G(e) (δ = 1e-7):
/// - one Adam step on D for L_D = −mean[log(D(x) + δ) + log(1 − D(x̂) + δ)];
/// - then one Adam step on G (with the updated D) for
///   L_G = −mean log(D(x̂) + δ) + ½Σ‖x̂ − x‖² + ½Σ‖E(x̂) − e‖²
///   (adversarial term averaged over the batch, the two L2 terms summed, as the reference does).
/// The classifier is never updated, and no parameter gradient of it is accumulated.
public final class GANTrainer {
    public let generator: Sequential
    public let discriminator: Sequential
    public let classifier: Sequential
    /// The classifier layer whose output is the code.
    public let codeLayer: String
    public private(set) var generatorOptimizer: any Optimizer
    public private(set) var discriminatorOptimizer: any Optimizer
    public private(set) var epochsCompleted = 0
    private var shuffleRandom: SeededRandom
    static let delta: Float = 1e-7

    /// Thrown when the three networks do not fit together.
    public struct MismatchError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(generator: Sequential, discriminator: Sequential, classifier: Sequential, codeLayer: String = "relu2",
                generatorOptimizer: any Optimizer = Adam(), discriminatorOptimizer: any Optimizer = Adam(),
                seed: UInt64 = 0) throws {
        guard let codeIndex = classifier.layers.firstIndex(where: { $0.name == codeLayer }) else {
            throw MismatchError(description: "the classifier has no layer '\(codeLayer)' to take codes from")
        }
        guard classifier.layerOutputShapes[codeIndex].reduce(1, *) == generator.inputShape.reduce(1, *) else {
            throw MismatchError(description: "codes from '\(codeLayer)' have shape \(classifier.layerOutputShapes[codeIndex]) but the generator takes \(generator.inputShape)")
        }
        guard generator.outputShape.reduce(1, *) == classifier.inputShape.reduce(1, *),
              discriminator.inputShape.reduce(1, *) == classifier.inputShape.reduce(1, *) else {
            throw MismatchError(description: "generator output \(generator.outputShape), discriminator input \(discriminator.inputShape) and classifier input \(classifier.inputShape) must hold the same number of pixels")
        }
        guard discriminator.outputShape == [1] else {
            throw MismatchError(description: "the discriminator must output one probability per image, not \(discriminator.outputShape)")
        }
        self.generator = generator
        self.discriminator = discriminator
        self.classifier = classifier
        self.codeLayer = codeLayer
        self.generatorOptimizer = generatorOptimizer
        self.discriminatorOptimizer = discriminatorOptimizer
        shuffleRandom = SeededRandom(seed: seed ^ 0x4741_4E53_4855_4600)
    }

    /// The classifier's code E(x) for a batch of images, `[N] + generator.inputShape`.
    public func codes(for images: Tensor) throws -> Tensor {
        let record = try classifier.forwardRecording(try reshaped(images, to: classifier.inputShape), training: false)
        return try reshaped(try codeOutput(record), to: generator.inputShape)
    }

    private func codeOutput(_ record: ForwardRecord) throws -> Tensor {
        guard let step = record.steps.first(where: { $0.layer.name == codeLayer }) else {
            throw MismatchError(description: "no layer '\(codeLayer)' in the classifier record")
        }
        return step.output
    }

    private func reshaped(_ x: Tensor, to shape: [Int]) throws -> Tensor {
        guard let n = x.shape.first, n > 0, x.count == n * shape.reduce(1, *) else {
            throw MismatchError(description: "a batch of shape \(x.shape) does not hold examples of shape \(shape)")
        }
        return x.reshaped([n] + shape)
    }

    /// L_D and its gradient with respect to the discriminator's parameters (accumulated into them).
    @discardableResult
    public func accumulateDiscriminatorGradient(real: Tensor, fake: Tensor) throws -> Float {
        let n = real.shape.first ?? 0
        guard fake.shape == real.shape else {
            throw MismatchError(description: "real images \(real.shape) and generated images \(fake.shape) differ in shape")
        }
        let realRecord = try discriminator.forwardRecording(try reshaped(real, to: discriminator.inputShape), training: true)
        let fakeRecord = try discriminator.forwardRecording(try reshaped(fake, to: discriminator.inputShape), training: true)
        let pReal = realRecord.steps.last!.output, pFake = fakeRecord.steps.last!.output
        var loss = 0.0
        var gReal = [Float](repeating: 0, count: n), gFake = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let (a, b) = (pReal.scalars[i], pFake.scalars[i])
            loss -= Double(logf(a + Self.delta)) + Double(logf(1 - b + Self.delta))
            gReal[i] = -1 / (Float(n) * (a + Self.delta))
            gFake[i] = 1 / (Float(n) * (1 - b + Self.delta))
        }
        _ = try discriminator.backward(realRecord, outputGradient: Tensor(shape: pReal.shape, scalars: gReal))
        _ = try discriminator.backward(fakeRecord, outputGradient: Tensor(shape: pFake.shape, scalars: gFake))
        return Float(loss / Double(n))
    }

    /// L_G for images `x` with codes `codes`, and its gradient with respect to the generator's
    /// parameters (accumulated into them). The discriminator and classifier are not changed.
    @discardableResult
    public func accumulateGeneratorGradient(images x: Tensor, codes: Tensor) throws -> Float {
        let n = x.shape.first ?? 0
        guard codes.shape.first == n, x.count == n * classifier.inputShape.reduce(1, *) else {
            throw MismatchError(description: "\(x.shape) images and \(codes.shape) codes do not pair up")
        }
        let generated = try generator.forwardRecording(try reshaped(codes, to: generator.inputShape), training: true)
        let fake = generated.steps.last!.output
        // Adversarial term, back to the generated images through D (D's parameters untouched).
        let dRecord = try discriminator.forwardRecording(try reshaped(fake, to: discriminator.inputShape), training: true)
        let p = dRecord.steps.last!.output
        var loss = 0.0
        var gp = [Float](repeating: 0, count: n)
        for i in 0..<n {
            loss -= Double(logf(p.scalars[i] + Self.delta)) / Double(n)
            gp[i] = -1 / (Float(n) * (p.scalars[i] + Self.delta))
        }
        var gradient = try discriminator.backward(dRecord, seed: Tensor(shape: p.shape, scalars: gp), rules: .gradient,
                                                  accumulateParameterGradients: false).inputSignal.scalars
        // Pixel term ½Σ‖x̂ − x‖².
        let target = x.scalars
        fake.scalars.withUnsafeBufferPointer { f in
            for i in 0..<f.count {
                let d = f[i] - target[i]
                loss += 0.5 * Double(d * d)
                gradient[i] += d
            }
        }
        // Feature term ½Σ‖E(x̂) − e‖², back through the frozen classifier's code layers.
        let eRecord = try classifier.forwardRecording(try reshaped(fake, to: classifier.inputShape), training: false)
        let code = try codeOutput(eRecord)
        var gCode = [Float](repeating: 0, count: code.count)
        for i in 0..<code.count {
            let d = code.scalars[i] - codes.scalars[i]
            loss += 0.5 * Double(d * d)
            gCode[i] = d
        }
        let fromCode = try classifier.backward(eRecord, seed: Tensor(shape: code.shape, scalars: gCode), rules: .gradient,
                                               startAt: codeLayer, accumulateParameterGradients: false).inputSignal.scalars
        for i in 0..<gradient.count { gradient[i] += fromCode[i] }
        _ = try generator.backward(generated, outputGradient: Tensor(shape: fake.shape, scalars: gradient))
        return Float(loss)
    }

    /// One D step then one G step on a batch of images; returns (L_G, L_D).
    public func step(_ images: Tensor) throws -> (generatorLoss: Float, discriminatorLoss: Float) {
        let codes = try self.codes(for: images)
        let fake = try generator.forward(codes)
        discriminator.zeroGradients()
        let dLoss = try accumulateDiscriminatorGradient(real: images, fake: fake)
        discriminatorOptimizer.step(discriminator.parameters)
        generator.zeroGradients()
        let gLoss = try accumulateGeneratorGradient(images: images, codes: codes)
        generatorOptimizer.step(generator.parameters)
        return (gLoss, dLoss)
    }

    /// `epochs` epochs of shuffled batches (labels unused), reporting per batch and per epoch
    /// (metrics `generator loss`, `discriminator loss`); cancellation is checked before each batch.
    @discardableResult
    public func train(on data: LabelledImages, epochs: Int = 25, batchSize: Int = 100,
                      monitor: WorkMonitor = .none) throws -> [GANEpochSummary] {
        guard data.pixelsPerImage == classifier.inputShape.reduce(1, *), data.count > 0, batchSize > 0, epochs >= 0 else {
            throw MismatchError(description: "GAN training needs a positive batch size and images of \(classifier.inputShape.reduce(1, *)) pixels, got \(data.count) images of \(data.pixelsPerImage) and batch \(batchSize)")
        }
        let batchCount = (data.count + batchSize - 1) / batchSize
        var summaries: [GANEpochSummary] = []
        for _ in 0..<epochs {
            let epoch = epochsCompleted + 1
            let task = "GAN epoch \(epoch)/\(epochs)"
            let started = Date()
            var order = Array(0..<data.count)
            order.shuffle(using: &shuffleRandom)
            var gSum = 0.0, dSum = 0.0
            for batch in 0..<batchCount {
                try monitor.cancellation.check()
                let indices = Array(order[batch * batchSize ..< min((batch + 1) * batchSize, data.count)])
                let (g, d) = try step(try data.selecting(indices).images)
                gSum += Double(g)
                dSum += Double(d)
                monitor.progress(ProgressEvent(task: task, completed: batch + 1, total: batchCount, metrics: [
                    .init("generator loss", gSum / Double(batch + 1)), .init("discriminator loss", dSum / Double(batch + 1)),
                ]))
            }
            epochsCompleted += 1
            let summary = GANEpochSummary(epoch: epoch, generatorLoss: gSum / Double(batchCount), discriminatorLoss: dSum / Double(batchCount),
                                          seconds: Date().timeIntervalSince(started))
            summaries.append(summary)
            monitor.progress(ProgressEvent(task: task, completed: batchCount, total: batchCount, metrics: [
                .init("generator loss", summary.generatorLoss), .init("discriminator loss", summary.discriminatorLoss),
            ], finished: true))
        }
        return summaries
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
