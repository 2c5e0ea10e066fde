import GlassboxEngine
import GlassboxModels

/// Activation maximisation in pixel space: one prototype image per class, found by Adam on the
/// pixels of a frozen classifier (chapters 1.1 and 3.2).
public struct ClassPrototype {
    /// The cost minimised over the prototypes P (row r is the prototype of class `classes[r]`).
    public enum Objective: Sendable, Equatable {
        /// Chapter 3.2 (Simonyan et al.): L = 1 − Σ_r S_{c_r}(P_r) + λ·½‖P‖²_F on raw logits (λ = 0.01).
        case logitAscent(lambda: Float)
        /// Chapter 1.1: L = (1/R) Σ_r CE(softmax(f(P_r)), c_r) + λ·½ Σ_r ‖P_r − x̄_{c_r}‖² (λ = 0.1),
        /// with `means` the per-class mean images, shaped [classes] + input shape. The CE term is
        /// averaged over the prototypes, the pull is summed, as the reference.
        case crossEntropyToMeans(means: Tensor, lambda: Float)

        var label: String {
            switch self {
            case let .logitAscent(lambda): return "1 − Σ S_c + \(lambda)·½‖P‖²"
            case let .crossEntropyToMeans(_, lambda): return "CE + \(lambda)·½‖P − x̄‖²"
            }
        }
    }

    /// One recorded value of the cost.
    public struct CostRecord: Sendable, Equatable {
        /// The step before whose update the cost was measured (0 = the starting point).
        public var step: Int
        public var cost: Float
    }

    /// The prototypes and how the cost went.
    public struct Result: Sendable {
        /// [R] + input shape, row r for class `classes[r]`.
        public var prototypes: Tensor
        public var classes: [Int]
        /// The cost every `reportEvery` steps, and after the last step.
        public var costs: [CostRecord]
    }

    public var network: Sequential
    public var objective: Objective
    /// The classes to build prototypes for; nil means every class.
    public var classes: [Int]?
    public var steps: Int
    public var learningRate: Float
    /// Record and report the cost every this many steps (the reference prints every 500).
    public var reportEvery: Int

    public init(_ network: Sequential, objective: Objective, classes: [Int]? = nil, steps: Int = 5_000,
                learningRate: Float = 1e-3, reportEvery: Int = 500) {
        self.network = network
        self.objective = objective
        self.classes = classes
        self.steps = steps
        self.learningRate = learningRate
        self.reportEvery = reportEvery
    }

    static let name = "Class prototype"

    /// For the docs index and figure (the builtin `classPrototypes` is written by hand: it is not
    /// an attribution map of given images).
    public static let declaration = MethodDeclaration(
        id: "classPrototypes", title: "Class prototypes",
        citation: "Erhan et al. (2009), Visualizing higher-layer features of a deep network; Simonyan, Vedaldi & Zisserman (2014)",
        summary: "Activation maximisation in pixel space: one prototype image per class, optimised on the frozen model (chapters 1.1, 3.2).",
        chapters: ["1.1", "3.2"], display: .gray, acceptsLayerTargets: false,
        example: "classPrototypes(net, means: mnist.train, steps: 1000)", page: "class-prototype.md",
        figure: "classPrototypes(net, steps: 2000, start: \"gray\")")

    private func resolvedClasses() throws -> [Int] {
        guard network.outputShape.count == 1 else {
            throw MethodError.unsupportedModel(method: Self.name,
                                               message: "the model should output [N, classes] logits, it outputs [N] + \(network.outputShape)")
        }
        let count = network.outputShape[0]
        let list = classes ?? Array(0..<count)
        guard !list.isEmpty else { throw MethodError.invalidTarget(method: Self.name, message: "no classes given") }
        if let bad = list.first(where: { $0 < 0 || $0 >= count }) {
            throw MethodError.invalidTarget(method: Self.name, message: "class \(bad) is outside 0..<\(count)")
        }
        return list
    }

    /// The cost L(P) and its gradient ∂L/∂P for prototypes `prototypes` ([R] + input shape).
    public func costAndGradient(_ prototypes: Tensor) throws -> (cost: Float, gradient: Tensor) {
        let list = try resolvedClasses()
        guard prototypes.shape == [list.count] + network.inputShape else {
            throw MethodError.inputShape(method: Self.name, expected: "\([list.count] + network.inputShape)", got: prototypes.shape)
        }
        let record = try network.forwardRecording(prototypes, training: false)
        let logits = record.output
        let classCount = logits.shape[1]
        var cost: Double
        var seed: Tensor
        let pull: Tensor
        let lambda: Float
        switch objective {
        case let .logitAscent(l):
            lambda = l
            var values = [Float](repeating: 0, count: logits.count)
            var total = 0.0
            for (r, c) in list.enumerated() {
                values[r * classCount + c] = -1
                total += Double(logits.scalars[r * classCount + c])
            }
            seed = Tensor(shape: logits.shape, scalars: values)
            cost = 1 - total
            pull = prototypes
        case let .crossEntropyToMeans(means, l):
            lambda = l
            guard means.shape == [classCount] + network.inputShape else {
                throw MethodError.invalidOption(method: Self.name,
                                                message: "class means should have shape \([classCount] + network.inputShape), got \(means.shape)")
            }
            let ce = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: list)
            cost = Double(ce.loss)
            seed = ce.gradient
            let per = prototypes.valuesPerRow
            var difference = prototypes.scalars
            for (r, c) in list.enumerated() {
                for j in 0..<per { difference[r * per + j] -= means.scalars[c * per + j] }
            }
            pull = Tensor(shape: prototypes.shape, scalars: difference)
        }
        var gradient = try network.backward(record, seed: seed, rules: .gradient).inputSignal
        var squares = 0.0
        pull.scalars.withUnsafeBufferPointer { d in
            gradient.scalars.withUnsafeMutableBufferPointer { g in
                for j in 0..<g.count {
                    squares += Double(d[j]) * Double(d[j])
                    g[j] += lambda * d[j]
                }
            }
        }
        cost += Double(lambda) * 0.5 * squares
        return (Float(cost), gradient)
    }

    /// Runs Adam (TensorFlow's variant, learning rate `learningRate`) for `steps` steps from
    /// `start` (default: zeros), checking cancellation every step and reporting the cost through
    /// `monitor` every `reportEvery` steps.
    public func run(start: Tensor? = nil, monitor: WorkMonitor = .none) throws -> Result {
        let list = try resolvedClasses()
        guard steps >= 0, reportEvery >= 1 else {
            throw MethodError.invalidOption(method: Self.name, message: "steps must be ≥ 0 and reportEvery ≥ 1")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw MethodError.invalidOption(method: Self.name, message: "the learning rate must be positive, got \(learningRate)")
        }
        let shape = [list.count] + network.inputShape
        let initial = start ?? Tensor(zeros: shape)
        guard initial.shape == shape else {
            throw MethodError.inputShape(method: Self.name, expected: "\(shape)", got: initial.shape)
        }
        let parameter = Parameter(name: "prototypes", value: initial)
        var adam = Adam(learningRate: learningRate)
        var costs: [CostRecord] = []
        let task = "class prototypes (\(objective.label))"
        for step in 0..<steps {
            try monitor.cancellation.check()
            let (cost, gradient) = try costAndGradient(parameter.value)
            guard cost.isFinite else {
                throw MethodError.invalidOption(method: Self.name, message: "the cost became \(cost) at step \(step); lower the learning rate")
            }
            if step % reportEvery == 0 {
                costs.append(CostRecord(step: step, cost: cost))
                monitor.progress(ProgressEvent(task: task, completed: step, total: steps, metrics: [.init("cost", Double(cost))]))
            }
            parameter.gradient = gradient
            adam.step([parameter])
        }
        let final = try costAndGradient(parameter.value).cost
        costs.append(CostRecord(step: steps, cost: final))
        monitor.progress(ProgressEvent(task: task, completed: steps, total: steps, metrics: [.init("cost", Double(final))],
                                       finished: true))
        return Result(prototypes: parameter.value, classes: list, costs: costs)
    }
}
