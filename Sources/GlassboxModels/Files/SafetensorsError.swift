/// Why a safetensors file could not be read or written, naming the file and, when it applies, the
/// tensor.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (path or a caller-given label for in-memory data).
    public var file: String
    /// The tensor concerned, when the problem is about one tensor.
    public var tensor: String?
    /// What is wrong, in words.
    public var reason: String

    public init(file: String, tensor: String? = nil, reason: String) {
        self.file = file
        self.tensor = tensor
        self.reason = reason
    }

    public var description: String {
        if let tensor {
            return "\(file): tensor '\(tensor)': \(reason)"
        }
        return "\(file): \(reason)"
    }
}
