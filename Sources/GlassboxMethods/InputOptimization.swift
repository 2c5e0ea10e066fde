import GlassboxEngine
import GlassboxModels

/// The loop shared by the methods that optimise an input (class prototypes, feature
/// visualisation): Adam (TensorFlow's variant) on one tensor, the cost recorded every
/// `reportEvery` steps and reported through the `WorkMonitor`, a snapshot of the current images
/// every `snapshotEvery` steps (for a display that updates in place), cancellation checked every
/// step, and the value of lowest cost kept.
///
/// An interrupt does not lose the work: after at least one step, `run` returns with `stoppedAt`
/// set, the last value reached and the best one seen so far. Before the first step it throws
/// `CancellationError` (there is nothing to keep).
public struct InputOptimization {
    /// One recorded value of the cost.
    public struct CostRecord: Sendable, Equatable {
        /// The step before whose update the cost was measured (0 = the starting point).
        public var step: Int
        public var cost: Float
        public init(step: Int, cost: Float) {
            self.step = step
            self.cost = cost
        }
    }

    /// What a live display is sent: the images at `step` and their cost.
    public struct Snapshot: Sendable {
        public var step: Int
        public var steps: Int
        public var cost: Float
        /// The images the current variable stands for (for pixels, the variable itself).
        public var images: Tensor
        /// True for the last snapshot, after the last step (or at the interrupt).
        public var final: Bool
    }

    /// How the optimisation went.
    public struct Outcome: Sendable {
        /// The variable after the last update (at the interrupt: after the last completed step).
        public var last: Tensor
        /// The variable of lowest recorded cost, and that cost and its step.
        public var best: Tensor
        public var bestCost: Float
        public var bestStep: Int
        /// The cost every `reportEvery` steps and after the last step.
        public var costs: [CostRecord]
        /// The step at which an interrupt stopped the loop, or nil when every step ran.
        public var stoppedAt: Int?
    }

    public var steps: Int
    public var learningRate: Float
    public var reportEvery: Int
    /// The task name of the progress events.
    public var task: String
    /// The method name used in errors.
    public var method: String

    public init(steps: Int, learningRate: Float, reportEvery: Int, task: String, method: String) {
        self.steps = steps
        self.learningRate = learningRate
        self.reportEvery = reportEvery
        self.task = task
        self.method = method
    }

    /// Checks the settings (shared by the methods' own checks).
    public func validate() throws {
        guard steps >= 0 else { throw MethodError.invalidOption(method: method, message: "steps must be ≥ 0, got \(steps)") }
        guard reportEvery >= 1 else { throw MethodError.invalidOption(method: method, message: "reportEvery must be ≥ 1, got \(reportEvery)") }
        guard learningRate.isFinite, learningRate > 0 else {
            throw MethodError.invalidOption(method: method, message: "the learning rate must be positive, got \(learningRate)")
        }
    }

    /// Runs the loop from `initial`.
    /// - Parameters:
    ///   - costAndGradient: the cost of the variable at a step and its gradient (same shape).
    ///   - render: the images a variable stands for (only called for snapshots).
    ///   - snapshotEvery: 0 for no snapshots; else every this many steps, plus the final one.
    ///   - project: applied to the variable after every update (a box constraint such as a mask's
    ///     [0, 1]: projected gradient descent); nil leaves it unconstrained.
    public func run(initial: Tensor, monitor: WorkMonitor = .none, snapshotEvery: Int = 0,
                    render: (Tensor) throws -> Tensor = { $0 }, snapshot: ((Snapshot) -> Void)? = nil,
                    project: ((Tensor) -> Tensor)? = nil,
                    costAndGradient: (Tensor, Int) throws -> (cost: Float, gradient: Tensor)) throws -> Outcome {
        try validate()
        let parameter = Parameter(name: "input", value: initial)
        var adam = Adam(learningRate: learningRate)
        var costs: [CostRecord] = []
        var best = initial, bestCost = Float.infinity, bestStep = 0
        var stoppedAt: Int?
        var lastCost = Float.nan
        for step in 0..<steps {
            if monitor.cancellation.isCancelled {
                if step == 0 { throw CancellationError() }
                stoppedAt = step
                break
            }
            let (cost, gradient) = try costAndGradient(parameter.value, step)
            guard cost.isFinite else {
                throw MethodError.invalidOption(method: method, message: "the cost became \(cost) at step \(step); lower the learning rate")
            }
            guard gradient.shape == parameter.value.shape else {
                throw MethodError.mismatch(operation: method, message: "gradient \(gradient.shape) for a variable \(parameter.value.shape)")
            }
            lastCost = cost
            if cost < bestCost {
                bestCost = cost
                best = parameter.value
                bestStep = step
            }
            if step % reportEvery == 0 {
                costs.append(CostRecord(step: step, cost: cost))
                monitor.progress(ProgressEvent(task: task, completed: step, total: steps, metrics: [.init("cost", Double(cost))]))
            }
            if let snapshot, snapshotEvery > 0, step % snapshotEvery == 0 {
                snapshot(Snapshot(step: step, steps: steps, cost: cost, images: try render(parameter.value), final: false))
            }
            parameter.gradient = gradient
            adam.step([parameter])
            if let project { parameter.value = project(parameter.value) }
        }
        if let stoppedAt {
            // The value after the last completed update was never measured: show the best one.
            if let snapshot, snapshotEvery > 0 {
                snapshot(Snapshot(step: bestStep, steps: steps, cost: bestCost, images: try render(best), final: true))
            }
            if costs.last?.step != stoppedAt - 1, lastCost.isFinite { costs.append(CostRecord(step: stoppedAt - 1, cost: lastCost)) }
            return Outcome(last: parameter.value, best: best, bestCost: bestCost, bestStep: bestStep, costs: costs, stoppedAt: stoppedAt)
        }
        let final = try costAndGradient(parameter.value, steps).cost
        costs.append(CostRecord(step: steps, cost: final))
        if final.isFinite, final <= bestCost {
            bestCost = final
            best = parameter.value
            bestStep = steps
        }
        monitor.progress(ProgressEvent(task: task, completed: steps, total: steps, metrics: [.init("cost", Double(final))], finished: true))
        if let snapshot, snapshotEvery > 0 {
            snapshot(Snapshot(step: steps, steps: steps, cost: final, images: try render(parameter.value), final: true))
        }
        return Outcome(last: parameter.value, best: best, bestCost: bestCost, bestStep: bestStep, costs: costs, stoppedAt: nil)
    }
}
