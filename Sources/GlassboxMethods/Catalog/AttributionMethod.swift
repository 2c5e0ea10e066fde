import GlassboxEngine
import GlassboxModels

/// An explanation method: one declaration (`declaration`: id, title, citation, options, display…)
/// and one entry point, `attribute(inputs, targets:)`, working on a whole batch, as Captum's
/// methods do. Every method is listed once in `MethodCatalog`; the language makes its builtin,
/// help and completion from the declaration.
public protocol AttributionMethod {
    /// What the method is and which options it takes.
    static var declaration: MethodDeclaration { get }
    /// The model explained (network, explained output f, rows per pass).
    var model: ExplainedModel { get }
    /// The method on `model` with `options` (validated against `declaration`); throws when an
    /// option combination is impossible (naming the option) or the model cannot be explained so.
    init(_ model: ExplainedModel, options: MethodOptions) throws
    /// One attribution map per image of `inputs` ([N] + the model's input shape), each explaining
    /// its target; long work checks `monitor` for cancellation and reports progress.
    func attribute(_ inputs: Tensor, targets: Target, monitor: WorkMonitor) throws -> Explanation
    /// How this instance's maps are drawn (the declaration's unless an option changes it).
    var display: MapDisplay { get }
}

extension AttributionMethod {
    public var display: MapDisplay { Self.declaration.display }

    /// Throws unless the model's explained output is one the method supports.
    func checkOutput() throws {
        if let allowed = Self.declaration.outputs, !allowed.contains(model.output) {
            throw MethodError.invalidOption(
                method: Self.declaration.title,
                message: "cannot explain the output '\(model.output.rawValue)'; it explains " + allowed.map { "'\($0.rawValue)'" }.joined(separator: ", "))
        }
    }

    /// The method built from language-style option values (validated here, once).
    public static func make(_ model: ExplainedModel, options given: [String: OptionValue] = [:]) throws -> Self {
        try Self(model, options: try MethodOptions(declaration, given))
    }

    /// `attribute` with the default target (each image's predicted class) and no monitor.
    public func attribute(_ inputs: Tensor, targets: Target = .predicted) throws -> Explanation {
        try attribute(inputs, targets: targets, monitor: .none)
    }
}

/// A method that optimises something for each image (meaningful perturbation's mask) and can show
/// it while it learns: its builtin takes `liveEvery:` and updates a display in place with the
/// snapshots. `attribute(_:targets:monitor:)` runs it without snapshots.
public protocol OptimizingMethod: AttributionMethod {
    /// `attribute`, sending `snapshot` the images the current variables stand for every
    /// `snapshotEvery` steps (0: never) and once at the end.
    func attribute(_ inputs: Tensor, targets: Target, monitor: WorkMonitor, snapshotEvery: Int,
                   snapshot: ((InputOptimization.Snapshot) -> Void)?) throws -> Explanation
}

extension OptimizingMethod {
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        try attribute(inputs, targets: targets, monitor: monitor, snapshotEvery: 0, snapshot: nil)
    }
}

/// Where a backward pass starts.
public enum Seed: Sendable, Equatable {
    /// ∂f/∂S at the logits (or ones on a layer's channel): gradients and modified gradients.
    case gradient
    /// The explained value itself placed at the target, e_c · f(x) (or a layer channel's own
    /// activations): the start of LRP and deep Taylor.
    case relevance
    /// DeepLIFT's multipliers Δf/ΔS_c at the target (1 for the logit), with a reference input.
    case multipliers
}

/// What a method's sums are checked against (shown beside its figure, available as a member).
public enum ReceiptKind: String, Sendable, Equatable {
    /// Σ R = f(x): relevance is conserved (LRP without biases, z⁺ and deep Taylor, gradient ×
    /// input on a bias-free ReLU network).
    case conservation
    /// Σ IG = f(x) − f(b) (integrated gradients, exact in the limit of many steps).
    case completeness
    /// Σ C = f(x) − f(x⁰) (DeepLIFT, exact).
    case summationToDelta
    /// mean(CAM_c) = S_c: the class activation map at the feature layer's resolution averages to
    /// the logit (CAM on conv maps → global average pooling → a linear classifier, exact).
    case classActivationMean
    /// Σ φ = f(x) − f(x⁰), x⁰ the image with every segment off (Kernel SHAP's efficiency, exact).
    case efficiency

    /// The property's name in messages.
    public var title: String {
        switch self {
        case .conservation: return "conservation"
        case .completeness: return "completeness"
        case .summationToDelta: return "summation to delta"
        case .classActivationMean: return "class activation mean"
        case .efficiency: return "efficiency"
        }
    }

    /// What is measured on each map: "Σ map", or "mean(CAM)" (of the coarse map) for CAM.
    public var measuredSymbol: String {
        self == .classActivationMean ? "mean(CAM)" : "Σ map"
    }

    /// What the sum is compared with, e.g. "f(x)" or "f(x) − f(b)".
    public var expectedSymbol: String {
        switch self {
        case .conservation: return "f(x)"
        case .completeness: return "f(x) − f(b)"
        case .summationToDelta, .efficiency: return "f(x) − f(x⁰)"
        case .classActivationMean: return "S_c"
        }
    }
}

/// The backward pass of a `BackwardMethod`: its rules, where it starts and the reference it
/// carries.
public struct BackwardPlan {
    /// The rule for every layer (checked against the model before any work).
    public var rules: RuleSet
    public var seed: Seed
    /// DeepLIFT's reference input, walked alongside; nil for every other method.
    public var reference: Reference?
    /// What the sums of the maps should equal, when the method promises something.
    public var receipt: ReceiptKind?

    public init(rules: RuleSet, seed: Seed = .gradient, reference: Reference? = nil, receipt: ReceiptKind? = nil) {
        self.rules = rules
        self.seed = seed
        self.reference = reference
        self.receipt = receipt
    }
}

/// A method that is one backward pass per image followed by a value-by-value map from the signal
/// at the input (a gradient, a modified gradient, a relevance, a multiplier) to the attribution —
/// Zennit's "the same backward pass with other rules per layer". It only declares its plan and its
/// combination; `attribute` comes with the protocol, and SmoothGrad, the noise tunnel and (for
/// modified gradients) integrated gradients wrap it.
public protocol BackwardMethod: AttributionMethod {
    /// The rules and the seed of the pass.
    var plan: BackwardPlan { get }
    /// The attribution of one value from the signal there, the input value and the reference value
    /// (0 without a reference), e.g. `{ g, x, _ in g * x }`.
    var combine: @Sendable (_ signal: Float, _ input: Float, _ reference: Float) -> Float { get }
    /// The settings shown in titles, e.g. [("ε", "1e-06")].
    var settings: [MethodSetting] { get }
}

extension BackwardMethod {
    /// The batched backward passes and the combination, for every image.
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        let title = Self.declaration.title
        let plan = self.plan
        try checkOutput()
        try model.checkInputs(inputs, method: title)
        let resolved = try model.resolve(targets, inputs: inputs, method: title, monitor: monitor)
        let references = try plan.reference.map { try $0.images(for: inputs, method: title) }
        let result = try model.backwardPasses(inputs, references: references, targets: resolved, plan: plan, task: title,
                                              monitor: monitor)
        let combine = self.combine
        var values = [Float](repeating: 0, count: inputs.count)
        result.signal.scalars.withUnsafeBufferPointer { g in
            inputs.scalars.withUnsafeBufferPointer { x in
                values.withUnsafeMutableBufferPointer { out in
                    if let references {
                        references.scalars.withUnsafeBufferPointer { b in
                            for i in 0..<out.count { out[i] = combine(g[i], x[i], b[i]) }
                        }
                    } else {
                        for i in 0..<out.count { out[i] = combine(g[i], x[i], 0) }
                    }
                }
            }
        }
        let baselineOutputs = try references.map { try model.outputs($0, targets: resolved, monitor: monitor) }
        return Explanation(attributions: Tensor(shape: inputs.shape, scalars: values), inputs: inputs,
                           targets: resolved.indices, targetLayer: resolved.layer, output: model.output, outputs: result.outputs,
                           baselineOutputs: baselineOutputs, method: title, settings: settings, receipt: plan.receipt)
    }
}
