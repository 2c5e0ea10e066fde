/// An error raised by a tensor operation given inputs it cannot work with.
public enum EngineError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `operation` needed a tensor shaped like `expected` (a description) and got `got`.
    case shapeMismatch(operation: String, expected: String, got: [Int])
    /// An argument outside the range the operation supports.
    case invalidArgument(operation: String, message: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(operation, expected, got):
            return "\(operation): expected a tensor of shape \(expected), got \(got)"
        case let .invalidArgument(operation, message):
            return "\(operation): \(message)"
        }
    }
}
