/// How a sliding window (convolution or pooling) treats the border, with TensorFlow's arithmetic.
///
/// - `same`: output size = ceil(input / stride); the total padding
///   max((out − 1)·stride + kernel − input, 0) is split with the extra row/column at the
///   bottom/right.
/// - `valid`: no padding; output size = floor((input − kernel) / stride) + 1.
public enum Padding: String, Sendable, Codable, CaseIterable {
    case same, valid
}

/// The geometry of a 2-D sliding window over an image: sizes, strides, and the padding on each side.
public struct WindowGeometry: Sendable, Equatable {
    public let inputHeight: Int, inputWidth: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let strideHeight: Int, strideWidth: Int
    public let padding: Padding
    public let outputHeight: Int, outputWidth: Int
    /// Padding rows above / columns to the left (the smaller half under `same`).
    public let padTop: Int, padLeft: Int
    /// Padding rows below / columns to the right (the larger half under `same`).
    public let padBottom: Int, padRight: Int

    /// Computes the geometry; throws when a size or stride is not positive or a `valid` window does
    /// not fit in the input.
    public init(inputHeight: Int, inputWidth: Int, kernel: (Int, Int), stride: (Int, Int),
                padding: Padding, operation: String = "window") throws {
        guard inputHeight > 0, inputWidth > 0 else {
            throw EngineError.invalidArgument(
                operation: operation, message: "input size \(inputHeight)×\(inputWidth) must be positive")
        }
        guard kernel.0 > 0, kernel.1 > 0, stride.0 > 0, stride.1 > 0 else {
            throw EngineError.invalidArgument(
                operation: operation,
                message: "kernel \(kernel.0)×\(kernel.1) and stride \(stride.0)×\(stride.1) must be positive")
        }
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        kernelHeight = kernel.0
        kernelWidth = kernel.1
        strideHeight = stride.0
        strideWidth = stride.1
        self.padding = padding
        switch padding {
        case .same:
            outputHeight = (inputHeight + stride.0 - 1) / stride.0
            outputWidth = (inputWidth + stride.1 - 1) / stride.1
            let totalH = max((outputHeight - 1) * stride.0 + kernel.0 - inputHeight, 0)
            let totalW = max((outputWidth - 1) * stride.1 + kernel.1 - inputWidth, 0)
            padTop = totalH / 2
            padBottom = totalH - totalH / 2
            padLeft = totalW / 2
            padRight = totalW - totalW / 2
        case .valid:
            guard inputHeight >= kernel.0, inputWidth >= kernel.1 else {
                throw EngineError.invalidArgument(
                    operation: operation,
                    message: "VALID window \(kernel.0)×\(kernel.1) does not fit in input \(inputHeight)×\(inputWidth)")
            }
            outputHeight = (inputHeight - kernel.0) / stride.0 + 1
            outputWidth = (inputWidth - kernel.1) / stride.1 + 1
            padTop = 0
            padBottom = 0
            padLeft = 0
            padRight = 0
        }
    }
}
