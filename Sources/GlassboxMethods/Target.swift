/// What each image is explained with respect to.
public enum Target: Sendable, Equatable {
    /// The arg-max class of each image (the first one on ties). The default.
    case predicted
    /// One class per image, in batch order.
    case classes([Int])
    /// The same class for every image.
    case `class`(Int)
    /// The sum of channel `index` of layer `layer`'s output over all its positions (chapter 3.1
    /// projects "the sum of pool3 channel k" back to the pixels). For a dense layer, one unit.
    case channel(Int, layer: String)
    /// One channel of `layer` per image, in batch order.
    case channels([Int], layer: String)

    /// The layer whose output the target lives in; nil for the model's logits.
    public var layer: String? {
        switch self {
        case let .channel(_, layer), let .channels(_, layer): return layer
        default: return nil
        }
    }
}

/// Which scalar function of the logits S is explained, for a target class c.
///
/// The backward walk is seeded at the logits layer with ∂f/∂S: e_c for `.logit`, p_c(e_c − p) for
/// `.probability`, 1[S_c > 0]·e_c for `.reluLogit`, and all ones for `.allLogits`.
public enum ExplainedOutput: String, Sendable, Equatable, CaseIterable {
    /// The pre-softmax score S_c (the default; most chapters).
    case logit
    /// The softmax probability p_c (chapter 3.4's integrated gradients).
    case probability
    /// ReLU(S_c) (chapters 5.1 and 5.2).
    case reluLogit
    /// Σ_j S_j, the sum of all logits whatever the target: chapter 3.2's saliency differentiates the
    /// whole logit tensor, so its maps are not class-specific. Kept to reproduce that quirk.
    case allLogits

    /// A short label for titles, e.g. "S_c" or "p_c".
    public var symbol: String {
        switch self {
        case .logit: return "S_c"
        case .probability: return "p_c"
        case .reluLogit: return "ReLU(S_c)"
        case .allLogits: return "Σ S"
        }
    }
}
