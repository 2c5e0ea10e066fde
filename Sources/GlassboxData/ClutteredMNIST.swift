import GlassboxEngine

/// How cluttered MNIST images are made (chapter 4: 40×40 canvases).
public struct ClutteredMNISTConfiguration: Sendable, Equatable {
    /// Side of the square canvas.
    public var canvasSize: Int
    /// How many clutter pieces each image gets (drawn uniformly from the range).
    public var clutterPieces: ClosedRange<Int>
    /// Side of each square clutter crop.
    public var clutterPatchSize: Int
    /// Images per split, drawn from the MNIST split of the same name.
    public var trainCount: Int
    public var validationCount: Int
    public var testCount: Int
    /// Fixes every random choice: same seed, same data.
    public var seed: UInt64

    /// The reference's sizes: 10,000 train, 1,000 validation, 1,000 test, 40×40, 4–6 crops of 8×8.
    public init(canvasSize: Int = 40, clutterPieces: ClosedRange<Int> = 4...6, clutterPatchSize: Int = 8,
                trainCount: Int = 10_000, validationCount: Int = 1_000, testCount: Int = 1_000, seed: UInt64 = 0) {
        self.canvasSize = canvasSize
        self.clutterPieces = clutterPieces
        self.clutterPatchSize = clutterPatchSize
        self.trainCount = trainCount
        self.validationCount = validationCount
        self.testCount = testCount
        self.seed = seed
    }
}

/// Cluttered MNIST: each image is one MNIST digit placed at a random position on a larger black canvas,
/// plus a few small random crops of other random digits as clutter; pixel values are summed and
/// clipped to [0, 1]. The label is the whole digit's. Deterministic for a seed.
public struct ClutteredMNIST: Sendable {
    public let train: LabelledImages
    public let validation: LabelledImages
    public let test: LabelledImages
    public let configuration: ClutteredMNISTConfiguration

    /// Generates the three splits from the corresponding MNIST splits.
    public static func generate(from mnist: MNIST, configuration: ClutteredMNISTConfiguration = .init()) throws
        -> ClutteredMNIST {
        // Each split has its own stream, so changing one split's size leaves the others unchanged.
        var trainRandom = SeededRandom(seed: configuration.seed ^ 0x7472_6169_6E00_0001)
        var validationRandom = SeededRandom(seed: configuration.seed ^ 0x7661_6C69_6400_0002)
        var testRandom = SeededRandom(seed: configuration.seed ^ 0x7465_7374_0000_0003)
        return ClutteredMNIST(
            train: try generate(count: configuration.trainCount, from: mnist.train, configuration: configuration,
                                random: &trainRandom),
            validation: try generate(count: configuration.validationCount, from: mnist.validation,
                                     configuration: configuration, random: &validationRandom),
            test: try generate(count: configuration.testCount, from: mnist.test, configuration: configuration,
                               random: &testRandom),
            configuration: configuration)
    }

    /// `count` cluttered images whose digits and clutter come from `source`.
    public static func generate(count: Int, from source: LabelledImages, configuration: ClutteredMNISTConfiguration,
                                random: inout SeededRandom) throws -> LabelledImages {
        let canvas = configuration.canvasSize
        let patch = configuration.clutterPatchSize
        let (height, width) = (source.height, source.width)
        guard count >= 0 else { throw DataError.invalidArgument("cluttered image count must be ≥ 0, got \(count)") }
        guard source.count > 0 || count == 0 else {
            throw DataError.invalidArgument("cannot make cluttered images from an empty source")
        }
        guard canvas >= height, canvas >= width else {
            throw DataError.invalidArgument("canvas \(canvas)×\(canvas) is smaller than the \(height)×\(width) digits")
        }
        guard patch > 0, patch <= height, patch <= width else {
            throw DataError.invalidArgument("clutter patch size \(patch) must be in 1…\(min(height, width))")
        }
        guard configuration.clutterPieces.lowerBound >= 0 else {
            throw DataError.invalidArgument("clutter piece count cannot be negative")
        }
        // Crops are taken away from the source border, where MNIST digits have no ink.
        let cropMarginY = (height - patch) / 4
        let cropMarginX = (width - patch) / 4
        let area = canvas * canvas
        var values = [Float](repeating: 0, count: count * area)
        var labels = [Int](repeating: 0, count: count)
        func uniform(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Permutation.uniformInt(below: range.count, using: &random)
        }
        source.images.scalars.withUnsafeBufferPointer { pixels in
            values.withUnsafeMutableBufferPointer { output in
                let stride = height * width
                for item in 0..<count {
                    let target = output.baseAddress! + item * area
                    let digit = uniform(0...(source.count - 1))
                    labels[item] = source.labels[digit]
                    let pieces = uniform(configuration.clutterPieces)
                    for _ in 0..<pieces {
                        var other = uniform(0...(source.count - 1))
                        if source.count > 1 && other == digit { other = (other + 1) % source.count }
                        let cropY = uniform(cropMarginY...(height - patch - cropMarginY))
                        let cropX = uniform(cropMarginX...(width - patch - cropMarginX))
                        let placeY = uniform(0...(canvas - patch))
                        let placeX = uniform(0...(canvas - patch))
                        let from = pixels.baseAddress! + other * stride
                        for row in 0..<patch {
                            let sourceRow = from + (cropY + row) * width + cropX
                            let targetRow = target + (placeY + row) * canvas + placeX
                            for column in 0..<patch { targetRow[column] += sourceRow[column] }
                        }
                    }
                    let placeY = uniform(0...(canvas - height))
                    let placeX = uniform(0...(canvas - width))
                    let from = pixels.baseAddress! + digit * stride
                    for row in 0..<height {
                        let targetRow = target + (placeY + row) * canvas + placeX
                        for column in 0..<width { targetRow[column] += from[row * width + column] }
                    }
                    for i in 0..<area { target[i] = min(max(target[i], 0), 1) }
                }
            }
        }
        return try LabelledImages(images: Tensor(shape: [count, 1, canvas, canvas], scalars: values), labels: labels)
    }
}
