import GlassboxEngine

/// A reference input b: the start of integrated gradients' path, DeepLIFT's reference x⁰.
public enum Reference: Sendable, Equatable {
    /// The all-zero image (black; chapters 2.5, 3.4 and 3.5).
    case zeros
    /// Every value equal to this constant.
    case constant(Float)
    /// The per-pixel mean of the explained images themselves.
    case meanOfInputs
    /// The per-pixel mean of these images ([M] + image shape).
    case meanImage(of: Tensor)
    /// This image ([1] + image shape, for all images) or one per image ([N] + image shape).
    case image(Tensor)

    /// A short label for settings, e.g. "zeros", "0.5", "mean image".
    public var label: String {
        switch self {
        case .zeros: return "zeros"
        case let .constant(v): return "\(v)"
        case .meanOfInputs, .meanImage: return "mean image"
        case .image: return "image"
        }
    }

    /// Why a reference image of shape `shape` cannot go with `inputs` ([N] + image shape), e.g.
    /// "should have shape [1] + [1, 28, 28] or [3] + [1, 28, 28], got [1, 1, 5, 5]"; nil when it
    /// fits: one image for all ([1] + image shape, or the image shape alone) or one per image.
    public static func imageShapeProblem(_ shape: [Int], inputs: [Int]) -> String? {
        guard let n = inputs.first else { return "has no images to go with" }
        let imageShape = Array(inputs.dropFirst())
        if shape == imageShape { return nil }
        if shape.count == inputs.count, Array(shape.dropFirst()) == imageShape, shape[0] == 1 || shape[0] == n { return nil }
        return "should have shape [1] + \(imageShape) or [\(n)] + \(imageShape), got \(shape)"
    }

    /// The reference expanded to one image per input image.
    public func images(for inputs: Tensor, method: String) throws -> Tensor {
        let imageShape = Array(inputs.shape.dropFirst())
        let n = inputs.shape[0], per = inputs.valuesPerRow
        func repeatedImage(_ values: ArraySlice<Float>) -> Tensor {
            var all: [Float] = []
            all.reserveCapacity(n * per)
            for _ in 0..<n { all += values }
            return Tensor(shape: inputs.shape, scalars: all)
        }
        func mean(of images: Tensor) -> Tensor {
            var mean = [Double](repeating: 0, count: per)
            images.scalars.withUnsafeBufferPointer { x in
                for i in 0..<images.shape[0] { for j in 0..<per { mean[j] += Double(x[i * per + j]) } }
            }
            let m = Double(images.shape[0])
            return repeatedImage(ArraySlice(mean.map { Float($0 / m) }))
        }
        switch self {
        case .zeros:
            return Tensor(zeros: inputs.shape)
        case let .constant(value):
            guard value.isFinite else {
                throw MethodError.invalidOption(method: method, message: "the reference constant must be finite, got \(value)")
            }
            return Tensor(repeating: value, shape: inputs.shape)
        case .meanOfInputs:
            return mean(of: inputs)
        case let .meanImage(images):
            guard images.rank == inputs.rank, Array(images.shape.dropFirst()) == imageShape, images.shape[0] > 0 else {
                throw MethodError.invalidOption(method: method,
                                                message: "a mean-image reference needs images of shape [M] + \(imageShape), got \(images.shape)")
            }
            return mean(of: images)
        case let .image(image):
            if let problem = Self.imageShapeProblem(image.shape, inputs: inputs.shape) {
                throw MethodError.invalidOption(method: method, message: "the reference image " + problem)
            }
            let fitted = image.rank == inputs.rank - 1 ? image.reshaped([1] + imageShape) : image
            if let bad = fitted.scalars.firstIndex(where: { !$0.isFinite }) {
                throw MethodError.invalidOption(method: method, message: "reference value \(bad) is not finite")
            }
            return fitted.shape[0] == n ? fitted : repeatedImage(fitted.scalars[...])
        }
    }
}
