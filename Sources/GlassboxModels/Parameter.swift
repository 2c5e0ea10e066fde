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
    /// The gradient of the loss accumulated by backward passes; same shape as `value`.
    public var gradient: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
    }

    /// Sets the gradient to zero.
    public func zeroGradient() {
        gradient = Tensor(zeros: value.shape)
    }
}
