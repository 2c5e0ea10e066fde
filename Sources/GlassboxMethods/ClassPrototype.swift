import GlassboxEngine
import GlassboxModels

/// Activation maximisation: one prototype image per class, found by Adam on the pixels of a frozen
/// classifier (chapters 1.1 and 3.2), or on the code of a generator whose image the classifier
/// sees (chapter 1.3, "AM in code space": the prototype is G(z)).
public struct ClassPrototype {
    /// The cost minimised over the variables V (row r for class `classes[r]`: pixels P_r, or a
    /// code z_r whose image is G(z_r)).
    public struct Objective: Sendable, Equatable {
        /// What rewards the class.
        public enum Score: String, Sendable, Equatable, CaseIterable {
            /// (1/R) Σ_r CE(softmax f(x_r), c_r): the class probability, as chapters 1.1 and 1.3.
            case crossEntropy
            /// 1 − Σ_r S_{c_r}(x_r): the raw logit, as chapter 3.2 (Simonyan et al.).
            case logit
        }

        /// What the L2 term pulls the variables toward.
        public enum Penalty: Sendable, Equatable {
            /// No penalty.
            case none
            /// λ·½ Σ_r ‖v_r‖²: toward the origin (the text of chapter 1.1, the code of chapter 3.2).
            case origin
            /// λ·½ Σ_r ‖v_r − t_{c_r}‖²: toward a target per class, shaped [classes] + the variable's
            /// shape (the class-mean images of chapter 1.1, the class-mean codes of chapter 1.3).
            case toward(Tensor)
        }

        public var score: Score
        public var penalty: Penalty
        public var lambda: Float

        public init(score: Score, penalty: Penalty, lambda: Float) {
            self.score = score
            self.penalty = penalty
            self.lambda = lambda
        }

        /// Chapter 3.2: L = 1 − Σ_r S_{c_r}(P_r) + λ·½‖P‖²_F on raw logits (λ = 0.01).
        public static func logitAscent(lambda: Float) -> Objective { Objective(score: .logit, penalty: .origin, lambda: lambda) }

        /// Chapter 1.1: L = (1/R) Σ_r CE(softmax(f(P_r)), c_r) + λ·½ Σ_r ‖P_r − x̄_{c_r}‖² (λ = 0.1),
        /// with `means` the per-class mean images, shaped [classes] + input shape. The CE term is
        /// averaged over the prototypes, the pull is summed, as the reference.
        public static func crossEntropyToMeans(means: Tensor, lambda: Float) -> Objective {
            Objective(score: .crossEntropy, penalty: .toward(means), lambda: lambda)
        }

        /// A short formula, for progress lines.
        public var label: String {
            let score = self.score == .crossEntropy ? "CE" : "1 − Σ S_c"
            switch penalty {
            case .none: return score
            case .origin: return "\(score) + \(lambda)·½‖v‖²"
            case .toward: return "\(score) + \(lambda)·½‖v − v̄‖²"
            }
        }
    }

    public typealias CostRecord = InputOptimization.CostRecord

    /// The prototypes and how the cost went.
    public struct Result: Sendable {
        /// [R] + the model's input shape, row r for class `classes[r]` (G(z_r) with a generator).
        public var prototypes: Tensor
        /// With a generator: the codes z_r, [R] + the generator's input shape.
        public var codes: Tensor?
        public var classes: [Int]
        /// The cost every `reportEvery` steps, and after the last step.
        public var costs: [CostRecord]
        /// When an interrupt stopped the search: the step it stopped at. The prototypes are then
        /// the best ones seen (lowest cost), found at `bestStep`.
        public var stoppedAt: Int?
        public var bestStep: Int
        public var bestCost: Float
    }

    public var network: Sequential
    public var objective: Objective
    /// The classes to build prototypes for; nil means every class.
    public var classes: [Int]?
    public var steps: Int
    public var learningRate: Float
    /// Record and report the cost every this many steps (the reference prints every 500).
    public var reportEvery: Int
    /// Chapter 1.3: optimise a code z and show the classifier G(z). Its output must hold as many
    /// values as the classifier's input.
    public var generator: Sequential?

    public init(_ network: Sequential, objective: Objective, classes: [Int]? = nil, steps: Int = 5_000,
                learningRate: Float = 1e-3, reportEvery: Int = 500, generator: Sequential? = nil) {
        self.network = network
        self.objective = objective
        self.classes = classes
        self.steps = steps
        self.learningRate = learningRate
        self.reportEvery = reportEvery
        self.generator = generator
    }

    static let name = "Class prototype"

    /// For the docs index and figure (the builtin `classPrototypes` is written by hand: it is not
    /// an attribution map of given images).
    public static let declaration = MethodDeclaration(
        id: "classPrototypes", title: "Class prototypes",
        citation: "Erhan et al. (2009), Visualizing higher-layer features of a deep network; Simonyan, Vedaldi & Zisserman (2014); Nguyen et al. (2016), Synthesizing the preferred inputs for neurons via deep generator networks",
        summary: "Activation maximisation: one prototype image per class, optimised on the frozen model in pixel space or in a generator's code space (chapters 1.1, 1.3, 3.2).",
        chapters: ["1.1", "1.3", "3.2"], display: .gray, acceptsLayerTargets: false,
        example: "classPrototypes(net, means: mnist.train, steps: 1000)", page: "class-prototype.md",
        figure: "classPrototypes(net, steps: 2000, start: \"gray\", liveEvery: 0)")

    /// The shape of one variable: a code of the generator, or an image of the classifier.
    public var variableShape: [Int] { generator?.inputShape ?? network.inputShape }

    /// The classes the prototypes are built for, checked against the model.
    public func resolvedClasses() throws -> [Int] {
        guard network.outputShape.count == 1 else {
            throw MethodError.unsupportedModel(method: Self.name,
                                               message: "the model should output [N, classes] logits, it outputs [N] + \(network.outputShape)")
        }
        if let generator, generator.outputShape.reduce(1, *) != network.inputShape.reduce(1, *) {
            throw MethodError.unsupportedModel(method: Self.name,
                                               message: "the generator makes \(generator.outputShape) but the model takes \(network.inputShape)")
        }
        let count = network.outputShape[0]
        let list = classes ?? Array(0..<count)
        guard !list.isEmpty else { throw MethodError.invalidTarget(method: Self.name, message: "no classes given") }
        if let bad = list.first(where: { $0 < 0 || $0 >= count }) {
            throw MethodError.invalidTarget(method: Self.name, message: "class \(bad) is outside 0..<\(count)")
        }
        if case .toward(let targets) = objective.penalty, targets.shape != [count] + variableShape {
            let what = generator == nil ? "class means" : "class-mean codes"
            throw MethodError.invalidOption(method: Self.name,
                                            message: "\(what) should have shape \([count] + variableShape), got \(targets.shape)")
        }
        guard objective.lambda.isFinite, objective.lambda >= 0 else {
            throw MethodError.invalidOption(method: Self.name, message: "lambda must be ≥ 0, got \(objective.lambda)")
        }
        return list
    }

    /// The images the variables stand for: G(V) with a generator, else V.
    public func images(for variables: Tensor) throws -> Tensor {
        guard let generator else { return variables }
        let n = variables.shape.first ?? 0
        return try generator.forward(variables).reshaped([n] + network.inputShape)
    }

    /// The cost L(V) and its gradient ∂L/∂V for variables `variables` ([R] + `variableShape`).
    public func costAndGradient(_ variables: Tensor) throws -> (cost: Float, gradient: Tensor) {
        let list = try resolvedClasses()
        guard variables.shape == [list.count] + variableShape else {
            throw MethodError.inputShape(method: Self.name, expected: "\([list.count] + variableShape)", got: variables.shape)
        }
        let generated = try generator.map { try $0.forwardRecording(variables, training: false) }
        let images = generated.map { $0.output.reshaped([list.count] + network.inputShape) } ?? variables
        let record = try network.forwardRecording(images, training: false)
        let logits = record.output
        let classCount = logits.shape[1]
        var cost: Double
        let seed: Tensor
        switch objective.score {
        case .logit:
            var values = [Float](repeating: 0, count: logits.count)
            var total = 0.0
            for (r, c) in list.enumerated() {
                values[r * classCount + c] = -1
                total += Double(logits.scalars[r * classCount + c])
            }
            seed = Tensor(shape: logits.shape, scalars: values)
            cost = 1 - total
        case .crossEntropy:
            let ce = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: list)
            cost = Double(ce.loss)
            seed = ce.gradient
        }
        let imageGradient = try network.backward(record, seed: seed, rules: .gradient).inputSignal
        var gradient: Tensor
        if let generator, let generated {
            gradient = try generator.backward(generated, seed: imageGradient.reshaped(generated.output.shape), rules: .gradient).inputSignal
        } else {
            gradient = imageGradient
        }
        let lambda = objective.lambda
        let per = variables.count / list.count
        var squares = 0.0
        switch objective.penalty {
        case .none:
            break
        case .origin, .toward:
            var targetRows: Tensor?
            if case .toward(let t) = objective.penalty { targetRows = t }
            variables.scalars.withUnsafeBufferPointer { v in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for (r, c) in list.enumerated() {
                        for j in 0..<per {
                            let d = v[r * per + j] - (targetRows?.scalars[c * per + j] ?? 0)
                            squares += Double(d) * Double(d)
                            g[r * per + j] += lambda * d
                        }
                    }
                }
            }
        }
        cost += Double(lambda) * 0.5 * squares
        return (Float(cost), gradient)
    }

    /// Runs Adam (TensorFlow's variant, learning rate `learningRate`) for `steps` steps from
    /// `start` (default: zeros), checking cancellation every step and reporting the cost through
    /// `monitor` every `reportEvery` steps; `snapshot` receives the current prototypes every
    /// `snapshotEvery` steps. An interrupt after the first step returns the best prototypes so far
    /// (`stoppedAt` set); before it, `CancellationError` is thrown.
    public func run(start: Tensor? = nil, monitor: WorkMonitor = .none, snapshotEvery: Int = 0,
                    snapshot: ((InputOptimization.Snapshot) -> Void)? = nil) throws -> Result {
        let list = try resolvedClasses()
        let shape = [list.count] + variableShape
        let initial = start ?? Tensor(zeros: shape)
        guard initial.shape == shape else {
            throw MethodError.inputShape(method: Self.name, expected: "\(shape)", got: initial.shape)
        }
        let loop = InputOptimization(steps: steps, learningRate: learningRate, reportEvery: reportEvery,
                                     task: "class prototypes (\(objective.label))", method: Self.name)
        let outcome = try loop.run(initial: initial, monitor: monitor, snapshotEvery: snapshotEvery,
                                   render: { try images(for: $0) }, snapshot: snapshot) { v, _ in try costAndGradient(v) }
        // A finished search keeps its last prototypes (as the reference); an interrupted one the best.
        let kept = outcome.stoppedAt == nil ? outcome.last : outcome.best
        return Result(prototypes: try images(for: kept), codes: generator == nil ? nil : kept, classes: list, costs: outcome.costs,
                      stoppedAt: outcome.stoppedAt, bestStep: outcome.bestStep, bestCost: outcome.bestCost)
    }
}
