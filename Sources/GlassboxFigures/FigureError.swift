/// Why a figure could not be built or rendered.
public enum FigureError: Error, Equatable, CustomStringConvertible {
    /// No colour map has this name.
    case unknownColormap(name: String, known: [String])
    /// Image data does not match its stated size.
    case imageSizeMismatch(what: String, width: Int, height: Int, count: Int)
    /// A size, count or option is out of range.
    case invalidArgument(what: String, reason: String)
    /// Cairo reported an error status.
    case cairo(operation: String, status: String)
    /// A PNG could not be decoded.
    case invalidPNG(reason: String)

    public var description: String {
        switch self {
        case let .unknownColormap(name, known):
            return "unknown colormap '\(name)'; known colormaps: \(known.joined(separator: ", "))"
        case let .imageSizeMismatch(what, width, height, count):
            return "\(what): \(width)×\(height) image needs \(width * height) values but got \(count)"
        case let .invalidArgument(what, reason):
            return "\(what): \(reason)"
        case let .cairo(operation, status):
            return "cairo failed in \(operation): \(status)"
        case let .invalidPNG(reason):
            return "invalid PNG: \(reason)"
        }
    }
}
