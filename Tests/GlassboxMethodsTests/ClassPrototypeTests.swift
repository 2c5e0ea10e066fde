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

    /// 3 → 5 (tanh) → 6 generator, so that codes of 3 values make the dense test network's 6 inputs.
    private func generator(seed: UInt64) throws -> Sequential {
        var rng = SeededRandom(seed: seed)
        return try Sequential(layers: [
            Dense(name: "g1", inputs: 3, outputs: 5, bias: true, rng: &rng), Tanh(name: "tanh"),
            Dense(name: "g2", inputs: 5, outputs: 6, bias: true, rng: &rng), Sigmoid(name: "sigmoid"),
        ], inputShape: [3])
    }

    func testEveryScoreAndPenaltyHasTheGradientOfItsCost() throws {
        let network = try TestNetworks.dense()
        let means = TestNetworks.randomInputs([4, 6], seed: 85, low: 0, high: 1)
        let p = TestNetworks.randomInputs([3, 6], seed: 86)
        for score in ClassPrototype.Objective.Score.allCases {
            for penalty: ClassPrototype.Objective.Penalty in [.none, .origin, .toward(means)] {
                let prototype = ClassPrototype(network, objective: .init(score: score, penalty: penalty, lambda: 0.3), classes: [3, 1, 1])
                try checkGradient(prototype, at: p)
            }
        }
        // No penalty: the cost is the score alone, whatever λ says.
        let plain = ClassPrototype(network, objective: .init(score: .crossEntropy, penalty: .none, lambda: 5), classes: [3, 1, 1])
        let pulled = ClassPrototype(network, objective: .init(score: .crossEntropy, penalty: .origin, lambda: 5), classes: [3, 1, 1])
        let squares = p.scalars.reduce(0.0) { $0 + Double($1 * $1) }
        XCTAssertEqual(Double(try pulled.costAndGradient(p).cost) - Double(try plain.costAndGradient(p).cost), 2.5 * squares, accuracy: 1e-3)
    }

    func testCodeSpaceCostByHandAndItsGradientThroughTheGenerator() throws {
        let network = try TestNetworks.dense(seed: 5)
        let g = try generator(seed: 6)
        let codeMeans = TestNetworks.randomInputs([4, 3], seed: 87)
        let prototype = ClassPrototype(network, objective: .crossEntropyToMeans(means: codeMeans, lambda: 0.1), classes: [0, 2],
                                       generator: g)
        XCTAssertEqual(prototype.variableShape, [3])
        let z = TestNetworks.randomInputs([2, 3], seed: 88)
        // By hand: mean CE of f(G(z_r)) for classes 0 and 2, plus 0.1·½ Σ ‖z_r − z̄_{c_r}‖².
        let logits = try network.forward(try g.forward(z)).scalars.map(Double.init)
        var expected = 0.0
        for (r, c) in [0, 2].enumerated() {
            let row = Array(logits[(r * 4)..<(r * 4 + 4)])
            let m = row.max()!
            expected += -(row[c] - m - log(row.map { exp($0 - m) }.reduce(0, +))) / 2
            for j in 0..<3 { expected += 0.05 * pow(Double(z.scalars[r * 3 + j] - codeMeans.scalars[c * 3 + j]), 2) }
        }
        XCTAssertEqual(Double(try prototype.costAndGradient(z).cost), expected, accuracy: 1e-5)
        try checkGradient(prototype, at: z)
        // The prototypes are G(z), and the search moves the codes.
        let result = try ClassPrototype(network, objective: .crossEntropyToMeans(means: codeMeans, lambda: 0.1), classes: [0, 2],
                                        steps: 100, learningRate: 1e-2, reportEvery: 50, generator: g).run(start: z)
        XCTAssertEqual(result.codes?.shape, [2, 3])
        XCTAssertEqual(result.prototypes, try g.forward(result.codes!))
        XCTAssertLessThan(result.costs.last!.cost, result.costs.first!.cost)
        // Means shaped like images are refused when the variables are codes.
        XCTAssertThrowsError(try ClassPrototype(network, objective: .crossEntropyToMeans(means: Tensor(zeros: [4, 6]), lambda: 0.1),
                                                generator: g).costAndGradient(z))
    }

    func testAStrongerPullEndsCloserToTheClassMeans() throws {
        let network = try TestNetworks.dense(seed: 4)
        let means = TestNetworks.randomInputs([4, 6], seed: 89, low: 0, high: 1)
        var distances: [Double] = []
        for lambda: Float in [0.01, 0.1, 1, 10] {
            let result = try ClassPrototype(network, objective: .crossEntropyToMeans(means: means, lambda: lambda), steps: 1500,
                                            learningRate: 1e-2, reportEvery: 500).run()
            var d = 0.0
            for j in 0..<result.prototypes.count { d += pow(Double(result.prototypes.scalars[j] - means.scalars[j]), 2) }
            distances.append(d.squareRoot())
        }
        for i in 1..<distances.count { XCTAssertLessThan(distances[i], distances[i - 1], "\(distances)") }
    }

    func testAnInterruptKeepsTheBestPrototypesSoFar() throws {
        let network = try TestNetworks.dense(seed: 4)
        let token = CancellationToken()
        let monitor = WorkMonitor(cancellation: token, progress: { event in if event.completed >= 60 { token.cancel() } })
        var snapshots: [InputOptimization.Snapshot] = []
        let search = ClassPrototype(network, objective: .logitAscent(lambda: 0.01), steps: 1000, learningRate: 1e-2, reportEvery: 20)
        let result = try search.run(monitor: monitor, snapshotEvery: 20) { snapshots.append($0) }
        XCTAssertEqual(result.stoppedAt, 61)
        XCTAssertLessThanOrEqual(result.bestCost, result.costs.map(\.cost).min()!)
        XCTAssertEqual(Double(try search.costAndGradient(result.prototypes).cost), Double(result.bestCost), accuracy: 1e-5)
        XCTAssertEqual(snapshots.map(\.step), [0, 20, 40, 60, result.bestStep])
        XCTAssertEqual(snapshots.last?.final, true)
        XCTAssertEqual(snapshots.last?.images, result.prototypes)
        // Run to the end, the snapshots come every 20 steps and once more after the last.
        snapshots = []
        let full = try ClassPrototype(network, objective: .logitAscent(lambda: 0.01), steps: 50, learningRate: 1e-2, reportEvery: 25)
            .run(snapshotEvery: 20) { snapshots.append($0) }
        XCTAssertNil(full.stoppedAt)
        XCTAssertEqual(snapshots.map(\.step), [0, 20, 40, 50])
        XCTAssertEqual(snapshots.last?.images, full.prototypes)
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
