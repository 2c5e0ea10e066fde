/// Why an explanation method could not run, naming the method and what was wrong.
public enum MethodError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The inputs do not fit the model (`expected` describes the shape wanted).
    case inputShape(method: String, expected: String, got: [Int])
    /// A target class, channel or count does not fit the model or the batch.
    case invalidTarget(method: String, message: String)
    /// An option (steps, samples, noise, baseline…) is outside the range the method supports.
    case invalidOption(method: String, message: String)
    /// The model cannot be explained this way (e.g. its last layer is not [N, classes]).
    case unsupportedModel(method: String, message: String)
    /// Two explanations that should match (for arithmetic or comparison) do not.
    case mismatch(operation: String, message: String)
    /// A declared option (or an unknown option name) was given a value the method cannot take.
    /// `given` is the misspelt name, when there is one, and `candidates` what it could have been
    /// (the language turns them into "did you mean" suggestions).
    case option(method: String, option: String, message: String, given: String?, candidates: [String])

    /// The problem without the method's name in front (the language puts the builtin's name there).
    public var message: String {
        switch self {
        case let .inputShape(_, expected, got): return "inputs should have shape \(expected), got \(got)"
        case let .invalidTarget(_, message), let .invalidOption(_, message), let .unsupportedModel(_, message),
             let .mismatch(_, message):
            return message
        case let .option(_, option, message, _, _): return "argument '\(option)' \(message)"
        }
    }

    public var description: String {
        switch self {
        case let .inputShape(method, expected, got):
            return "\(method): inputs should have shape \(expected), got \(got)"
        case let .invalidTarget(method, message), let .invalidOption(method, message),
             let .unsupportedModel(method, message):
            return "\(method): \(message)"
        case let .mismatch(operation, message):
            return "\(operation): \(message)"
        case let .option(method, option, message, _, _):
            return "\(method): argument '\(option)' \(message)"
        }
    }
}
