import GlassboxEngine

/// A trainable tensor of a layer (a weight or a bias) together with its accumulated gradient.
///
/// Layers own their parameters; optimisers update `value` from `gradient`; model files store
/// `value` under `name` (for example `conv1.weight`).
public final class Parameter: @unchecked Sendable {
    /// The full name, `<layer name>.<weight|bias>`.
    public let name: String
    /// The current value.
    public var value: Tensor
    /// The gradient of the loss accumulated by backward passes; same shape as `value`. It is zero until
    /// a backward pass accumulates into it, and takes no memory until then: a model that is only
    /// explained never holds a copy of its weights' size (32 MB for clut-fc's dense layer).
    public var gradient: Tensor {
        get { accumulated ?? Tensor(zeros: value.shape) }
        set { accumulated = newValue }
        _modify {
            if accumulated == nil { accumulated = Tensor(zeros: value.shape) }
            yield &accumulated!
        }
    }

    /// The gradient once something was accumulated or assigned; nil while it is zero and unallocated.
    private var accumulated: Tensor?

    /// Whether the gradient is allocated (false until a backward pass or an assignment, and after
    /// `zeroGradient()`).
    public var holdsGradient: Bool { accumulated != nil }

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
    }

    /// Sets the gradient to zero (and frees it until the next backward pass).
    public func zeroGradient() {
        accumulated = nil
    }
}
