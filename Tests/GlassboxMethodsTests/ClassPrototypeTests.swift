import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

final class ClassPrototypeTests: XCTestCase {
    private func checkGradient(_ prototype: ClassPrototype, at p: Tensor) throws {
        let (_, gradient) = try prototype.costAndGradient(p)
        for j in stride(from: 0, to: p.count, by: 3) {
            var plus = p, minus = p
            plus.scalars[j] += 1e-2
            minus.scalars[j] -= 1e-2
            let fd = (Double(try prototype.costAndGradient(plus).cost) - Double(try prototype.costAndGradient(minus).cost))
                / Double(plus.scalars[j] - minus.scalars[j])
            XCTAssertEqual(Double(gradient.scalars[j]), fd, accuracy: 2e-3 + 2e-2 * abs(fd), "value \(j)")
        }
    }

    func testLogitAscentCostAndGradient() throws {
        let network = try TestNetworks.dense()
        let prototype = ClassPrototype(network, objective: .logitAscent(lambda: 0.01))
        let p = TestNetworks.randomInputs([4, 6], seed: 81)
        // Cost by hand: 1 − Σ_c S_c(P_c) + 0.01·½‖P‖².
        let logits = try network.forward(p)
        let expected = 1 - (0..<4).reduce(0.0) { $0 + Double(logits.scalars[$1 * 4 + $1]) }
            + 0.005 * p.scalars.reduce(0.0) { $0 + Double($1 * $1) }
        XCTAssertEqual(Double(try prototype.costAndGradient(p).cost), expected, accuracy: 1e-5)
        try checkGradient(prototype, at: p)
    }

    func testCrossEntropyToMeansCostAndGradient() throws {
        let network = try TestNetworks.dense()
        let means = TestNetworks.randomInputs([4, 6], seed: 82, low: 0, high: 1)
        let prototype = ClassPrototype(network, objective: .crossEntropyToMeans(means: means, lambda: 0.1), classes: [2, 0])
        let p = TestNetworks.randomInputs([2, 6], seed: 83)
        // Cost by hand: mean CE over the two rows + 0.1·½ Σ ‖P_r − x̄_{c_r}‖².
        let logits = try network.forward(p).scalars.map(Double.init)
        var ce = 0.0, pull = 0.0
        for (r, c) in [2, 0].enumerated() {
            let row = Array(logits[(r * 4)..<(r * 4 + 4)])
            let m = row.max()!
            ce += -(row[c] - m - log(row.map { exp($0 - m) }.reduce(0, +))) / 2
            for j in 0..<6 { pull += pow(Double(p.scalars[r * 6 + j] - means.scalars[c * 6 + j]), 2) }
        }
        XCTAssertEqual(Double(try prototype.costAndGradient(p).cost), ce + 0.05 * pull, accuracy: 1e-5)
        try checkGradient(prototype, at: p)
    }

    func testOptimisationLowersTheCostAndReportsIt() throws {
        let network = try TestNetworks.dense(seed: 4)
        final class Events: @unchecked Sendable {
            var list: [ProgressEvent] = []
            let lock = NSLock()
        }
        let events = Events()
        let monitor = WorkMonitor(progress: { event in events.lock.lock(); events.list.append(event); events.lock.unlock() })
        let prototype = ClassPrototype(network, objective: .logitAscent(lambda: 0.01), steps: 200, learningRate: 1e-2, reportEvery: 50)
        // Zero is a fixed point when every ReLU is off there; this network has live units at 0.
        XCTAssertGreaterThan(try prototype.costAndGradient(Tensor(zeros: [4, 6])).gradient.scalars.map(abs).max()!, 0.01)
        let result = try prototype.run(monitor: monitor)
        XCTAssertEqual(result.costs.map(\.step), [0, 50, 100, 150, 200])
        XCTAssertEqual(result.prototypes.shape, [4, 6])
        XCTAssertLessThan(result.costs.last!.cost, result.costs.first!.cost - 0.1, "\(result.costs)")
        // From zeros the first cost is 1 − Σ_c S_c(0).
        let logits = try network.forward(Tensor(zeros: [4, 6]))
        XCTAssertEqual(result.costs[0].cost, 1 - (logits.scalars[0] + logits.scalars[5] + logits.scalars[10] + logits.scalars[15]),
                       accuracy: 1e-5)
        XCTAssertEqual(events.list.count, 5)
        XCTAssertEqual(events.list.last?.finished, true)
        XCTAssertEqual(events.list.first?.metrics.first?.name, "cost")

        let means = TestNetworks.randomInputs([4, 6], seed: 84, low: 0, high: 1)
        let ce = try ClassPrototype(network, objective: .crossEntropyToMeans(means: means, lambda: 0.1), steps: 100,
                                    learningRate: 1e-2, reportEvery: 25).run()
        XCTAssertLessThan(ce.costs.last!.cost, ce.costs.first!.cost)
    }

    func testCancellationStopsTheOptimisation() throws {
        let network = try TestNetworks.dense()
        let token = CancellationToken()
        token.cancel()
        let prototype = ClassPrototype(network, objective: .logitAscent(lambda: 0.01), steps: 1000)
        XCTAssertThrowsError(try prototype.run(monitor: WorkMonitor(cancellation: token))) { error in
            XCTAssertTrue(error is CancellationError)
        }
    }

    func testBadSettingsThrow() throws {
        let network = try TestNetworks.dense()
        XCTAssertThrowsError(try ClassPrototype(network, objective: .logitAscent(lambda: 0.01), classes: [4]).run())
        XCTAssertThrowsError(try ClassPrototype(network, objective: .crossEntropyToMeans(means: Tensor(zeros: [3, 6]), lambda: 0.1),
                                                steps: 1).run())
        XCTAssertThrowsError(try ClassPrototype(network, objective: .logitAscent(lambda: 0.01), learningRate: -1).run())
    }
}
