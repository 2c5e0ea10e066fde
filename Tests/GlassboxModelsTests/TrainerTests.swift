import Foundation
import GlassboxData
import GlassboxEngine
import XCTest
import GlassboxModels

final class TrainerTests: XCTestCase {
    /// Two classes of 4×4 images: class 0 bright on top, class 1 bright at the bottom, plus noise.
    private func separable(count: Int, seed: UInt64) throws -> LabelledImages {
        var rng = SeededRandom(seed: seed)
        var values: [Float] = []
        var labels: [Int] = []
        for i in 0..<count {
            let label = i % 2
            labels.append(label)
            for row in 0..<4 {
                for _ in 0..<4 {
                    let lit = (row < 2) == (label == 0)
                    values.append((lit ? 0.7 : 0.1) + 0.2 * rng.nextUniform())
                }
            }
        }
        return try LabelledImages(images: Tensor(shape: [count, 1, 4, 4], scalars: values), labels: labels)
    }

    private let tiny = Architecture(name: "tiny", inputShape: [1, 4, 4], layers: [
        .flatten(name: "flatten"), .dense(name: "fc1", inputs: 16, outputs: 8, bias: true), .relu(name: "relu1"),
        .dropout(name: "dropout1", rate: 0.1), .dense(name: "logits", inputs: 8, outputs: 2, bias: true),
    ])

    private func train(seed: UInt64, centre: Bool = false) throws -> (Sequential, [EpochSummary]) {
        let model = try tiny.build(seed: seed)
        let trainer = Trainer(model: model, optimizer: Adam(learningRate: 0.01),
                              configuration: TrainingConfiguration(epochs: 15, batchSize: 16, seed: seed, centreBatches: centre))
        let history = try trainer.train(on: try separable(count: 200, seed: 1))
        return (model, history)
    }

    func testTrainingASeparableProblemReachesFullAccuracyDeterministically() throws {
        let (model, history) = try train(seed: 42)
        XCTAssertEqual(history.count, 15)
        XCTAssertEqual(history.map(\.epoch), Array(1...15))
        XCTAssertGreaterThan(history.first!.loss, history.last!.loss)
        let evaluation = try Trainer.evaluate(model, on: try separable(count: 100, seed: 2), batchSize: 30)
        XCTAssertEqual(evaluation.accuracy, 1.0)
        XCTAssertEqual(evaluation.count, 100)
        XCTAssertLessThan(evaluation.loss, 0.1)
        let (again, againHistory) = try train(seed: 42)
        XCTAssertEqual(again.parameters.map(\.value), model.parameters.map(\.value))
        XCTAssertEqual(againHistory.map(\.loss), history.map(\.loss))
        let (other, _) = try train(seed: 43)
        XCTAssertNotEqual(other.parameters[0].value, model.parameters[0].value)
    }

    func testCentredTrainingAlsoLearns() throws {
        let (model, _) = try train(seed: 7, centre: true)
        // Centring removes the per-pixel batch mean; the model still separates centred test batches.
        let test = try separable(count: 100, seed: 3)
        let centred = try LabelledImages(images: Trainer.centred(test.images), labels: test.labels)
        XCTAssertGreaterThanOrEqual(try Trainer.evaluate(model, on: centred, batchSize: 100).accuracy, 0.99)
    }

    func testCentringSubtractsTheBatchMean() {
        let images = Tensor(shape: [2, 1, 1, 2], scalars: [1, 4, 3, 8])
        XCTAssertEqual(Trainer.centred(images).scalars, [-1, -2, 1, 2])
    }

    func testEvaluationMatchesHandComputedLossAndAccuracy() throws {
        let architecture = Architecture(name: "id", inputShape: [1, 1, 2], layers: [.flatten(name: "logits")])
        let model = try architecture.build(seed: 0)
        let data = try LabelledImages(images: Tensor(shape: [3, 1, 1, 2], scalars: [0, 0, 1, 0, 0, 1]), labels: [0, 0, 0])
        let evaluation = try Trainer.evaluate(model, on: data, batchSize: 2)
        // Losses: ln 2, ln(1 + e^-1), ln(1 + e); accuracy: [0,0] ties → class 0 (correct), [1,0] correct, [0,1] wrong.
        let expected = (log(2.0) + log(1 + exp(-1.0)) + log(1 + exp(1.0))) / 3
        XCTAssertEqual(evaluation.loss, expected, accuracy: 1e-6)
        XCTAssertEqual(evaluation.accuracy, 2.0 / 3.0, accuracy: 1e-12)
    }

    func testCancellationStopsWithinOneBatchAndLeavesAUsableModel() throws {
        let model = try tiny.build(seed: 1)
        let trainer = Trainer(model: model, configuration: TrainingConfiguration(epochs: 5, batchSize: 10, seed: 1))
        let token = CancellationToken()
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var batches = 0
        }
        let counter = Counter()
        let monitor = WorkMonitor(cancellation: token) { event in
            guard !event.finished else { return }
            counter.lock.lock()
            counter.batches += 1
            let n = counter.batches
            counter.lock.unlock()
            if n == 3 { token.cancel() }
        }
        XCTAssertThrowsError(try trainer.train(on: try separable(count: 200, seed: 1), monitor: monitor)) { error in
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        XCTAssertEqual(counter.batches, 3)
        XCTAssertEqual(trainer.optimizer.stepCount, 3)
        XCTAssertTrue(model.parameters.allSatisfy { $0.value.scalars.allSatisfy(\.isFinite) })
        token.reset()
        XCTAssertNoThrow(try Trainer.evaluate(model, on: try separable(count: 10, seed: 5)))
        XCTAssertEqual(try trainer.train(on: try separable(count: 20, seed: 1), monitor: WorkMonitor(cancellation: token)).count, 5)
    }

    func testProgressEventsPerBatchAndEpoch() throws {
        let model = try tiny.build(seed: 1)
        let trainer = Trainer(model: model, configuration: TrainingConfiguration(epochs: 2, batchSize: 64, seed: 1))
        final class Events: @unchecked Sendable {
            let lock = NSLock()
            var all: [ProgressEvent] = []
        }
        let events = Events()
        let monitor = WorkMonitor { event in
            events.lock.lock()
            events.all.append(event)
            events.lock.unlock()
        }
        let history = try trainer.train(on: try separable(count: 200, seed: 1), monitor: monitor)
        XCTAssertEqual(events.all.count, 2 * (4 + 1))
        XCTAssertEqual(events.all.filter(\.finished).map(\.task), ["epoch 1/2", "epoch 2/2"])
        XCTAssertEqual(events.all[3].completed, 4)
        XCTAssertEqual(events.all[3].total, 4)
        XCTAssertEqual(events.all[4].metrics.map(\.name), ["loss", "accuracy"])
        XCTAssertEqual(events.all[4].metrics[0].value, history[0].loss)
    }

    func testTrainingRejectsMismatchedData() throws {
        let model = try tiny.build(seed: 1)
        let wrong = try LabelledImages(images: Tensor(zeros: [2, 1, 5, 5]), labels: [0, 1])
        XCTAssertThrowsError(try Trainer(model: model).train(on: wrong))
        XCTAssertThrowsError(try Trainer.evaluate(model, on: wrong))
        let badLabels = try LabelledImages(images: Tensor(zeros: [2, 1, 4, 4]), labels: [0, 7])
        XCTAssertThrowsError(try Trainer(model: model).train(on: badLabels)) { error in
            XCTAssertTrue("\(error)".contains("label 7"), "\(error)")
        }
    }
}
