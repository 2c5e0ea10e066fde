import Foundation
import GlassboxEngine

/// How cluttered MNIST images are made (chapter 4). The defaults are those of the reference's file
/// `mnist_sequence1_sample_5distortions5x5.npz`: one digit per 40×40 canvas, 5 distractors of 5×5,
/// 10,000 / 1,000 / 1,000 images (docs/data.md describes the algorithm and where it differs).
public struct ClutteredMNISTConfiguration: Sendable, Equatable {
    /// Side of the square canvas.
    public var canvasSize: Int
    /// Distractors written onto each canvas.
    public var distractorsPerImage: Int
    /// Side of each square distractor crop.
    public var distractorSize: Int
    /// Crops in the distractor pool, drawn once and shared by the three splits.
    public var distractorPoolSize: Int
    /// The last `validationSourceCount` original MNIST training images give the validation digits and
    /// the ones before them the training digits (the reference's 50,000 / 10,000 split of the
    /// deeplearning.net pickle); test digits come from the MNIST test images.
    public var validationSourceCount: Int
    /// Source pixels (byte/255) are multiplied by this: 255/256 gives byte/256, the scaling of the
    /// pickle the reference script read, so that a lone digit's brightest pixel is 0.99609375.
    public var pixelScale: Float
    /// Images per split.
    public var trainCount: Int
    public var validationCount: Int
    public var testCount: Int
    /// Fixes every random choice: same seed, same data.
    public var seed: UInt64

    /// The reference's settings; only the seed and the counts usually change.
    public init(canvasSize: Int = 40, distractorsPerImage: Int = 5, distractorSize: Int = 5,
                distractorPoolSize: Int = 100_000, validationSourceCount: Int = 10_000, pixelScale: Float = 255.0 / 256.0,
                trainCount: Int = 10_000, validationCount: Int = 1_000, testCount: Int = 1_000, seed: UInt64 = 0) {
        self.canvasSize = canvasSize
        self.distractorsPerImage = distractorsPerImage
        self.distractorSize = distractorSize
        self.distractorPoolSize = distractorPoolSize
        self.validationSourceCount = validationSourceCount
        self.pixelScale = pixelScale
        self.trainCount = trainCount
        self.validationCount = validationCount
        self.testCount = testCount
        self.seed = seed
    }
}

/// A rectangle of pixels: rows `top..<top + height`, columns `left..<left + width`.
public struct PixelBox: Sendable, Hashable, CustomStringConvertible {
    public var top: Int
    public var left: Int
    public var height: Int
    public var width: Int

    public init(top: Int, left: Int, height: Int, width: Int) {
        self.top = top
        self.left = left
        self.height = height
        self.width = width
    }

    /// One past the last row.
    public var bottom: Int { top + height }
    /// One past the last column.
    public var right: Int { left + width }
    /// `height * width`.
    public var area: Int { height * width }

    /// Whether pixel (`row`, `column`) lies inside.
    public func contains(row: Int, column: Int) -> Bool {
        row >= top && row < bottom && column >= left && column < right
    }

    /// `[top, left, height, width]`.
    public var values: [Int] { [top, left, height, width] }

    public var description: String { "[\(top), \(left), \(height), \(width)]" }
}

/// Where the digit of one cluttered image lies; known exactly, since the generator placed it.
public struct ClutteredDigit: Sendable, Equatable {
    /// The canvas area the whole source image (28×28) was added to.
    public let frame: PixelBox
    /// The smallest box holding every non-zero pixel of the source digit, in canvas coordinates
    /// (zero-sized at the frame's corner for a blank source).
    public let ink: PixelBox
    /// The digit's index in its MNIST file: the training file for the train and validation splits,
    /// the test file for the test split.
    public let sourceIndex: Int
}

/// Cluttered MNIST (chapter 4): each image is one MNIST digit on a larger black canvas with small crops
/// of other digits as distractors. Either generated, deterministically from a seed, with the
/// algorithm of the reference's file (`generate(from:configuration:)`), or read from that file
/// (`load(contentsOf:)`).
public struct ClutteredMNIST: Sendable {
    public let train: LabelledImages
    public let validation: LabelledImages
    public let test: LabelledImages
    /// Per image, where its digit is; nil when read from a file (which does not record it).
    public let trainDigits: [ClutteredDigit]?
    public let validationDigits: [ClutteredDigit]?
    public let testDigits: [ClutteredDigit]?
    /// The settings it was generated with; nil when read from a file.
    public let configuration: ClutteredMNISTConfiguration?

    /// The labelled images of `split`.
    public func split(_ split: MNIST.Split) -> LabelledImages {
        switch split {
        case .train: return train
        case .validation: return validation
        case .test: return test
        }
    }

    /// Where the digits of `split` are, when known.
    public func digits(_ split: MNIST.Split) -> [ClutteredDigit]? {
        switch split {
        case .train: return trainDigits
        case .validation: return validationDigits
        case .test: return testDigits
        }
    }

    /// Generates the three splits from MNIST as the reference's script did: training digits from the
    /// original training images before the last `validationSourceCount`, validation digits from those
    /// last ones, test digits from the test images; one pool of distractors cut from the original
    /// training images (the training-digit range counted twice, as the script's pool was). The pool and
    /// each split draw from their own stream, so changing one split's size leaves the others unchanged.
    public static func generate(from mnist: MNIST, configuration: ClutteredMNISTConfiguration = .init()) throws
        -> ClutteredMNIST {
        let original = mnist.validation.count + mnist.train.count
        let heldOut = configuration.validationSourceCount
        guard heldOut > 0, heldOut < original else {
            throw DataError.invalidArgument(
                "validationSourceCount \(heldOut) must be in 1…\(original - 1) for \(original) original training images")
        }
        let trainSource = try DigitSource.originalTraining(of: mnist, 0..<(original - heldOut))
        let validationSource = try DigitSource.originalTraining(of: mnist, (original - heldOut)..<original)
        let poolSource = try DigitSource(parts: DigitSource.originalTraining(of: mnist, 0..<original).parts + trainSource.parts)
        let seed = configuration.seed
        var poolRandom = SeededRandom(seed: seed ^ 0x706F_6F6C_0000_0004)
        let pool = try DistractorPool(count: configuration.distractorsPerImage > 0 ? configuration.distractorPoolSize : 0,
                                      size: configuration.distractorSize, source: poolSource,
                                      scale: configuration.pixelScale, random: &poolRandom)
        var trainRandom = SeededRandom(seed: seed ^ 0x7472_6169_6E00_0001)
        var validationRandom = SeededRandom(seed: seed ^ 0x7661_6C69_6400_0002)
        var testRandom = SeededRandom(seed: seed ^ 0x7465_7374_0000_0003)
        let train = try generate(count: configuration.trainCount, from: trainSource, pool: pool,
                                 configuration: configuration, random: &trainRandom)
        let validation = try generate(count: configuration.validationCount, from: validationSource, pool: pool,
                                      configuration: configuration, random: &validationRandom)
        let test = try generate(count: configuration.testCount, from: DigitSource(mnist.test), pool: pool,
                                configuration: configuration, random: &testRandom)
        return ClutteredMNIST(train: train.images, validation: validation.images, test: test.images,
                              trainDigits: train.digits, validationDigits: validation.digits, testDigits: test.digits,
                              configuration: configuration)
    }

    /// `count` cluttered images whose digits are drawn uniformly from `digits` and whose distractors
    /// come from `pool`. Per image, in this order: the digit; its left edge, uniform in 0..<(canvas − width)
    /// (0..<12 on 40×40); its top edge, uniform in 0..<canvas and then moved up to fit, top =
    /// min(top, canvas − height); then each distractor's pool index and corner (column, row), uniform in
    /// 0..<(canvas − distractor size), written over the canvas (later ones over earlier ones); then
    /// the digit, times `pixelScale`, is added and the canvas clipped to [0, 1].
    public static func generate(count: Int, digits: LabelledImages, pool: DistractorPool,
                                configuration: ClutteredMNISTConfiguration, random: inout SeededRandom) throws
        -> (images: LabelledImages, digits: [ClutteredDigit]) {
        try generate(count: count, from: DigitSource(digits), pool: pool, configuration: configuration, random: &random)
    }

    static func generate(count: Int, from source: DigitSource, pool: DistractorPool,
                         configuration: ClutteredMNISTConfiguration, random: inout SeededRandom) throws
        -> (images: LabelledImages, digits: [ClutteredDigit]) {
        let canvas = configuration.canvasSize
        let (height, width) = (source.height, source.width)
        let distractors = configuration.distractorsPerImage
        let patch = pool.size
        guard count >= 0 else { throw DataError.invalidArgument("cluttered image count must be ≥ 0, got \(count)") }
        guard source.count > 0 || count == 0 else {
            throw DataError.invalidArgument("cannot make cluttered images from an empty source")
        }
        guard canvas >= height, canvas >= width else {
            throw DataError.invalidArgument("canvas \(canvas)×\(canvas) is smaller than the \(height)×\(width) digits")
        }
        guard distractors >= 0 else {
            throw DataError.invalidArgument("distractorsPerImage cannot be negative, got \(distractors)")
        }
        if distractors > 0 {
            guard pool.count > 0 else { throw DataError.invalidArgument("the distractor pool is empty") }
            guard patch < canvas else {
                throw DataError.invalidArgument("distractors of \(patch)×\(patch) do not fit on a \(canvas)×\(canvas) canvas")
            }
        }
        // The reference centres the digit and shifts it by uniform(−offset..<offset), offset = (canvas − width) / 2.
        let leftPositions = max(1, 2 * ((canvas - width) / 2))
        var recipe = ClutteredRenderer.Recipe(count: count, distractors: distractors)
        var labels = [Int](repeating: 0, count: count)
        var placed: [ClutteredDigit] = []
        placed.reserveCapacity(count)
        func uniform(_ bound: Int) -> Int { Permutation.uniformInt(below: bound, using: &random) }
        for item in 0..<count {
            let digit = uniform(source.count)
            let left = uniform(leftPositions)
            let top = min(uniform(canvas), canvas - height)
            recipe.digits[item] = Int32(digit)
            recipe.lefts[item] = Int32(left)
            recipe.tops[item] = Int32(top)
            for d in 0..<distractors {
                let base = 3 * (item * distractors + d)
                recipe.crops[base] = Int32(uniform(pool.count))
                recipe.crops[base + 1] = Int32(uniform(canvas - patch))   // column
                recipe.crops[base + 2] = Int32(uniform(canvas - patch))   // row
            }
            labels[item] = source.label(digit)
            let ink = source.withPixels(of: digit) { pixels in
                var inkBox = (top: height, left: width, bottom: -1, right: -1)
                for y in 0..<height {
                    for x in 0..<width where pixels[y * width + x] != 0 {
                        inkBox = (min(inkBox.top, y), min(inkBox.left, x), max(inkBox.bottom, y), max(inkBox.right, x))
                    }
                }
                return inkBox.bottom < 0
                    ? PixelBox(top: top, left: left, height: 0, width: 0)
                    : PixelBox(top: top + inkBox.top, left: left + inkBox.left,
                               height: inkBox.bottom - inkBox.top + 1, width: inkBox.right - inkBox.left + 1)
            }
            placed.append(ClutteredDigit(frame: PixelBox(top: top, left: left, height: height, width: width),
                                         ink: ink, sourceIndex: source.firstIndex + digit))
        }
        let renderer = ClutteredRenderer(canvas: canvas, source: source, pool: pool, scale: configuration.pixelScale,
                                         recipe: recipe)
        let images = try LabelledImages(rows: ImageRows(rendering: renderer), labels: labels)
        return (images, placed)
    }
}

/// The images of a generated cluttered MNIST, made on demand: per image, which digit goes where and
/// which distractor crops go where, drawn from the digit source (the mapped MNIST file, shared by
/// every kernel) when the image is asked for. 72 bytes per image instead of 6,400 of float32.
///
/// An image is made in this order, always with the same float operations, so it has the same bits
/// every time: the canvas is zeroed; each distractor crop (source pixel × scale) is written over it,
/// later ones over earlier ones; the digit, times the scale, is added; the canvas is clipped to [0, 1].
struct ClutteredRenderer: ImageRenderer {
    /// Per image: its digit (index into the source), the frame's corner, and per distractor its pool
    /// index, column and row.
    struct Recipe: Sendable {
        var digits: [Int32]
        var lefts: [Int32]
        var tops: [Int32]
        /// `3 · distractors` values per image: pool index, column, row.
        var crops: [Int32]
        let distractors: Int

        init(count: Int, distractors: Int) {
            digits = [Int32](repeating: 0, count: count)
            lefts = digits
            tops = digits
            crops = [Int32](repeating: 0, count: 3 * count * distractors)
            self.distractors = distractors
        }
    }

    let canvas: Int
    let source: DigitSource
    let pool: DistractorPool
    let scale: Float
    let recipe: Recipe

    var count: Int { recipe.digits.count }
    var height: Int { canvas }
    var width: Int { canvas }
    var recipeByteCount: Int {
        4 * (3 * recipe.digits.count + recipe.crops.count) + pool.recipeByteCount
    }

    func render(_ item: Int, into target: UnsafeMutablePointer<Float>) {
        target.update(repeating: 0, count: canvas * canvas)
        for d in 0..<recipe.distractors {
            let base = 3 * (item * recipe.distractors + d)
            let column = Int(recipe.crops[base + 1]), row = Int(recipe.crops[base + 2])
            pool.render(Int(recipe.crops[base]), into: target + row * canvas + column, rowStride: canvas)
        }
        let (height, width) = (source.height, source.width)
        let top = Int(recipe.tops[item]), left = Int(recipe.lefts[item])
        source.withPixels(of: Int(recipe.digits[item])) { pixels in
            for y in 0..<height {
                let targetRow = target + (top + y) * canvas + left
                for x in 0..<width { targetRow[x] += pixels[y * width + x] * scale }
            }
        }
        for i in 0..<(canvas * canvas) { target[i] = min(max(target[i], 0), 1) }
    }
}

/// The reference's pool of distractors: square crops of random digits, cut once and shared by every
/// split; each image copies a few of them onto its canvas. The pool keeps where each crop comes from
/// (12 bytes a crop) and cuts it from its source when asked.
public struct DistractorPool: Sendable {
    /// Side of each crop.
    public let size: Int
    private let source: DigitSource
    private let scale: Float
    /// Per crop: the source digit, and the crop's corner column and row in it.
    private let digits: [Int32]
    private let columns: [Int32]
    private let rows: [Int32]

    /// The number of crops.
    public var count: Int { digits.count }

    /// Bytes the pool's recipe takes.
    var recipeByteCount: Int { 12 * digits.count }

    /// `count` crops of `size`×`size` from digits drawn uniformly from `sources` (taken as one
    /// concatenated list), multiplied by `scale`; per crop the digit, then its corner column and row,
    /// each uniform in 0..<(side − size).
    public init(count: Int, size: Int, from sources: [LabelledImages], scale: Float = 1, random: inout SeededRandom) throws {
        try self.init(count: count, size: size, source: DigitSource(parts: sources.map { ($0, 0..<$0.count) }),
                      scale: scale, random: &random)
    }

    init(count: Int, size: Int, source: DigitSource, scale: Float, random: inout SeededRandom) throws {
        guard count >= 0 else { throw DataError.invalidArgument("the distractor pool size must be ≥ 0, got \(count)") }
        guard size > 0, size < source.height, size < source.width else {
            throw DataError.invalidArgument(
                "distractor size \(size) must be in 1…\(min(source.height, source.width) - 1) for \(source.height)×\(source.width) digits")
        }
        guard source.count > 0 || count == 0 else {
            throw DataError.invalidArgument("cannot cut distractors from an empty source")
        }
        self.size = size
        self.source = source
        self.scale = scale
        var digits = [Int32](repeating: 0, count: count), columns = digits, rows = digits
        for crop in 0..<count {
            digits[crop] = Int32(Permutation.uniformInt(below: source.count, using: &random))
            columns[crop] = Int32(Permutation.uniformInt(below: source.width - size, using: &random))
            rows[crop] = Int32(Permutation.uniformInt(below: source.height - size, using: &random))
        }
        self.digits = digits
        self.columns = columns
        self.rows = rows
    }

    /// Writes crop `index` (source pixel × scale) to `size` rows of `size` values starting at `target`,
    /// `rowStride` values apart.
    func render(_ index: Int, into target: UnsafeMutablePointer<Float>, rowStride: Int) {
        let (size, width, scale) = (self.size, source.width, self.scale)
        let (row, column) = (Int(rows[index]), Int(columns[index]))
        source.withPixels(of: Int(digits[index])) { digitPixels in
            for y in 0..<size {
                for x in 0..<size { target[y * rowStride + x] = digitPixels[(row + y) * width + column + x] * scale }
            }
        }
    }

    /// Crop `index`, `size * size` values, row-major.
    public func crop(_ index: Int) throws -> [Float] {
        guard index >= 0, index < count else {
            throw DataError.invalidArgument("distractor \(index) is outside 0..<\(count)")
        }
        return [Float](unsafeUninitializedCapacity: size * size) { output, initialised in
            render(index, into: output.baseAddress!, rowStride: size)
            initialised = size * size
        }
    }
}

/// Images taken from ranges of one or more `LabelledImages`, as one list, without copying them.
struct DigitSource: Sendable {
    struct Part: Sendable {
        let images: LabelledImages
        let range: Range<Int>
    }

    let parts: [Part]
    /// Where each part starts in the combined list.
    private let starts: [Int]
    let count: Int
    let height: Int
    let width: Int
    /// The file index of image 0 (for `ClutteredDigit.sourceIndex`).
    let firstIndex: Int

    init(parts: [(images: LabelledImages, range: Range<Int>)], firstIndex: Int = 0) throws {
        try self.init(parts: parts.map { Part(images: $0.images, range: $0.range) }, firstIndex: firstIndex)
    }

    init(parts: [Part], firstIndex: Int = 0) throws {
        let parts = parts.filter { !$0.range.isEmpty }
        for part in parts where part.range.lowerBound < 0 || part.range.upperBound > part.images.count {
            throw DataError.invalidArgument("range \(part.range) is outside 0..<\(part.images.count)")
        }
        let sizes = Set(parts.map { [$0.images.height, $0.images.width] })
        guard sizes.count <= 1 else { throw DataError.invalidArgument("digit sources of different image sizes: \(sizes)") }
        self.parts = parts
        var starts: [Int] = []
        var total = 0
        for part in parts {
            starts.append(total)
            total += part.range.count
        }
        self.starts = starts
        count = total
        height = parts.first?.images.height ?? 28
        width = parts.first?.images.width ?? 28
        self.firstIndex = firstIndex
    }

    init(_ images: LabelledImages) {
        // A whole LabelledImages is always a valid single part.
        try! self.init(parts: [Part(images: images, range: 0..<images.count)])
    }

    /// Original MNIST training images `range` (validation = original 0..<v, train = original v..<N).
    static func originalTraining(of mnist: MNIST, _ range: Range<Int>) throws -> DigitSource {
        let held = mnist.validation.count
        let fromValidation = range.clamped(to: 0..<held)
        let fromTrain = range.clamped(to: held..<(held + mnist.train.count))
        return try DigitSource(parts: [(mnist.validation, fromValidation),
                                       (mnist.train, (fromTrain.lowerBound - held)..<(fromTrain.upperBound - held))],
                               firstIndex: range.lowerBound)
    }

    private func locate(_ index: Int) -> (part: Part, offset: Int) {
        var p = parts.count - 1
        while starts[p] > index { p -= 1 }
        return (parts[p], parts[p].range.lowerBound + index - starts[p])
    }

    func label(_ index: Int) -> Int {
        let (part, offset) = locate(index)
        return part.images.labels[offset]
    }

    /// Calls `body` with the pixels of image `index`.
    func withPixels<R>(of index: Int, _ body: (UnsafePointer<Float>) -> R) -> R {
        let (part, offset) = locate(index)
        var result: R?
        part.images.rows.forEachImage([offset]) { _, pixels in result = body(pixels.baseAddress!) }
        return result!
    }
}
