import Synchronization
import XCTest
@testable import GlassboxEngine
@testable import GlassboxMethods

/// Explanations computed with whole passes side by side (ConcurrentWorkers) equal those computed one
/// pass at a time, and keep their progress order and cancellation.
final class ConcurrentPassesTests: XCTestCase {
    override func tearDown() {
        ConcurrentWorkers.setAvailability(nil)
    }

    private func explain(workers: Bool, _ body: (ExplainedModel, Tensor) throws -> Explanation) throws -> Explanation {
        ConcurrentWorkers.setAvailability(workers)
        defer { ConcurrentWorkers.setAvailability(nil) }
        let model = try ExplainedModel(try TestNetworks.smallCNN(seed: 5), output: .logit, batchSize: 7)
        let inputs = TestNetworks.randomInputs([6, 1, 8, 8], seed: 11, low: 0, high: 1)
        return try body(model, inputs)
    }

    func testIntegratedGradientsSmoothGradAndSaliencyAgreeWithAndWithoutWorkers() throws {
        let methods: [(String, (ExplainedModel, Tensor) throws -> Explanation)] = [
            ("integrated gradients", { try IntegratedGradients($0, steps: 20).attribute($1, targets: .classes([0, 1, 2, 3, 4, 5])) }),
            ("integrated gradients with noise", { try IntegratedGradients($0, steps: 5, smoothSamples: 4).attribute($1) }),
            ("SmoothGrad", { try SmoothGrad($0, samples: 9, noise: .relative(0.2), seed: 3).attribute($1) }),
            ("saliency", { try Saliency($0).attribute($1, targets: .class(7)) }),
        ]
        for (name, method) in methods {
            let one = try explain(workers: false, method)
            let side = try explain(workers: true, method)
            XCTAssertEqual(one.targets, side.targets, name)
            XCTAssertEqual(one.attributions.shape, side.attributions.shape, name)
            let scale = one.attributions.scalars.map(abs).max() ?? 1
            let gap = zip(one.attributions.scalars, side.attributions.scalars).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(gap, 1e-5 * max(scale, 1e-3), "\(name): the maps must not depend on how passes are spread")
            XCTAssertGreaterThan(scale, 0, name)
        }
    }

    func testProgressIsInOrderAndCancellationStopsBetweenGroups() throws {
        ConcurrentWorkers.setAvailability(true)
        let model = try ExplainedModel(try TestNetworks.smallCNN(seed: 5), output: .logit, batchSize: 4)
        let inputs = TestNetworks.randomInputs([3, 1, 8, 8], seed: 12, low: 0, high: 1)
        let events = Mutex([ProgressEvent]())
        _ = try IntegratedGradients(model, steps: 10).attribute(inputs, monitor: WorkMonitor(progress: { event in
            events.withLock { $0.append(event) }
        }))
        let completed = events.withLock { $0.map(\.completed) }
        XCTAssertEqual(completed, completed.sorted())
        XCTAssertEqual(completed.last, 30)
        let chunks = 8, width = ConcurrentWorkers.width  // 30 rows in chunks of 4, one report per group of `width`
        XCTAssertEqual(completed.count, (chunks + width - 1) / width)
        XCTAssertEqual(events.withLock { $0.last?.finished }, true)

        let token = CancellationToken()
        let seen = Mutex(0)
        XCTAssertThrowsError(try SmoothGrad(model, samples: 40, noise: .relative(0.1)).attribute(inputs, monitor: WorkMonitor(
            cancellation: token, progress: { _ in
                if seen.withLock({ $0 += 1; return $0 }) == 2 { token.cancel() }
            }))) { error in
            XCTAssertTrue(error is CancellationError)
        }
        XCTAssertEqual(seen.withLock { $0 }, 2, "no group starts after the interrupt")
    }
}
