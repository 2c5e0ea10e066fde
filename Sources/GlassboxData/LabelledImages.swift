import GlassboxEngine

/// Single-channel images with one integer label each: `images` is NCHW `[N, 1, H, W]`, float32 in
/// [0, 1]; `labels[i]` is the class of image `i` (0…9 for MNIST).
///
/// The pixels (`rows`) may be held as bytes (MNIST: a memory-mapped file, byte/255); selections and
/// ranges keep them as bytes, and `images` / `tensor(rows:)` make floats of what is asked for.
///
/// All selections keep the original order unless they say otherwise, and throw
/// `DataError.invalidArgument` (never trap) on out-of-range indices.
public struct LabelledImages: Sendable, Equatable {
    /// The pixels, as floats or bytes.
    public let rows: ImageRows
    /// One label per image.
    public let labels: [Int]

    /// `[count, 1, height, width]` floats: all images, converted from bytes on every call when they are
    /// held as bytes (without a budget check; `tensor(rows:)` checks it).
    public var images: Tensor {
        rows.floats
    }

    /// The images in `range` as `[range.count, 1, H, W]` floats (converting bytes checks the memory budget).
    public func tensor(rows range: Range<Int>) throws -> Tensor {
        try rows.tensor(rows: range)
    }

    /// Images held as they are (bytes or floats) with one label each.
    public init(rows: ImageRows, labels: [Int]) throws {
        guard rows.count == labels.count else {
            throw DataError.invalidArgument("\(rows.count) images but \(labels.count) labels")
        }
        self.rows = rows
        self.labels = labels
    }

    /// Images and labels; `images` must be `[N, 1, H, W]` with `labels.count == N`.
    public init(images: Tensor, labels: [Int]) throws {
        guard images.rank == 4, images.shape[1] == 1, images.shape[2] > 0, images.shape[3] > 0 else {
            throw DataError.invalidArgument("labelled images must have shape [N, 1, H, W], got \(images.shape)")
        }
        guard images.shape[0] == labels.count else {
            throw DataError.invalidArgument("\(images.shape[0]) images but \(labels.count) labels")
        }
        self.rows = ImageRows(images)
        self.labels = labels
    }

    /// The number of images.
    public var count: Int { labels.count }
    /// Image height in pixels.
    public var height: Int { rows.height }
    /// Image width in pixels.
    public var width: Int { rows.width }
    /// Values per image (`height * width`).
    public var pixelsPerImage: Int { height * width }

    /// Image `index` as a `[1, 1, H, W]` tensor and its label.
    public subscript(index: Int) -> (image: Tensor, label: Int) {
        get throws {
            let one = try selecting([index])
            return (one.images, one.labels[0])
        }
    }

    /// The images in `range`, in order.
    public subscript(range: Range<Int>) -> LabelledImages {
        get throws {
            guard range.lowerBound >= 0, range.upperBound <= count else {
                throw DataError.invalidArgument("range \(range.lowerBound)..<\(range.upperBound) is outside 0..<\(count)")
            }
            return try LabelledImages(rows: rows.slice(range), labels: Array(labels[range]))
        }
    }

    /// The images at `indices`, in the order given (repeats allowed).
    public func selecting(_ indices: [Int]) throws -> LabelledImages {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw DataError.invalidArgument("image index \(bad) is outside 0..<\(count)")
        }
        return try LabelledImages(rows: rows.gathering(indices), labels: indices.map { labels[$0] })
    }

    /// Indices (original order) of the images labelled `digit`.
    public func indices(ofDigit digit: Int) -> [Int] {
        labels.indices.filter { labels[$0] == digit }
    }

    /// All images labelled `digit`, in original order.
    public func ofDigit(_ digit: Int) throws -> LabelledImages {
        try selecting(indices(ofDigit: digit))
    }

    /// For each class 0..<`classes`, the `index`-th image of that class (0-based, original order):
    /// the reference's "k-th image of class c" (C2). Image `c` of the result has label `c`.
    public func perDigit(index: Int, classes: Int = 10) throws -> LabelledImages {
        try selecting(perDigitIndices(index: index, classes: classes))
    }

    /// The positions of the images `perDigit(index:classes:)` selects, class 0 first.
    public func perDigitIndices(index: Int, classes: Int = 10) throws -> [Int] {
        guard index >= 0 else { throw DataError.invalidArgument("perDigit index must be ≥ 0, got \(index)") }
        try LabelledImages.checkClasses(classes)
        var seen = [Int](repeating: 0, count: classes)
        var chosen = [Int](repeating: -1, count: classes)
        for (position, label) in labels.enumerated() where label >= 0 && label < classes && chosen[label] < 0 {
            if seen[label] == index { chosen[label] = position }
            seen[label] += 1
        }
        if let missing = chosen.firstIndex(of: -1) {
            throw DataError.invalidArgument(
                "digit \(missing) has only \(seen[missing]) images, so there is no image number \(index) of that class")
        }
        return chosen
    }

    /// The per-pixel mean image, `[1, 1, H, W]`.
    public func meanImage() throws -> Tensor {
        guard count > 0 else { throw DataError.invalidArgument("the mean image of an empty set is undefined") }
        return Tensor(shape: [1, 1, height, width], scalars: columnMeans(of: Array(0..<count)))
    }

    /// The per-pixel mean image of each class 0..<`classes`, `[classes, 1, H, W]`; row `c` is the mean
    /// of the images labelled `c`. Throws when a class has no images.
    public func classMeanImages(classes: Int = 10) throws -> Tensor {
        try LabelledImages.checkClasses(classes)
        var members = [[Int]](repeating: [], count: classes)
        for (position, label) in labels.enumerated() where label >= 0 && label < classes {
            members[label].append(position)
        }
        if let empty = members.firstIndex(where: { $0.isEmpty }) {
            throw DataError.invalidArgument("class \(empty) has no images, its mean image is undefined")
        }
        let values = members.flatMap { columnMeans(of: $0) }
        return Tensor(shape: [classes, 1, height, width], scalars: values)
    }

    /// Labels as one-hot rows, `[count, classes]`. Throws when a label is outside 0..<classes.
    public func oneHotLabels(classes: Int = 10) throws -> Tensor {
        try LabelledImages.checkClasses(classes)
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw DataError.invalidArgument("label \(labels[bad]) of image \(bad) is outside 0..<\(classes)")
        }
        var values = [Float](repeating: 0, count: count * classes)
        for (row, label) in labels.enumerated() { values[row * classes + label] = 1 }
        return Tensor(shape: [count, classes], scalars: values)
    }

    private static func checkClasses(_ classes: Int) throws {
        guard classes > 0 else { throw DataError.invalidArgument("the number of classes must be positive, got \(classes)") }
    }

    /// Mean over the listed images of each pixel, accumulated in Double.
    private func columnMeans(of rows: [Int]) -> [Float] {
        let stride = pixelsPerImage
        var sums = [Double](repeating: 0, count: stride)
        sums.withUnsafeMutableBufferPointer { total in
            self.rows.forEachImage(rows) { _, image in
                for pixel in 0..<stride { total[pixel] += Double(image[pixel]) }
            }
        }
        let scale = 1.0 / Double(rows.count)
        return sums.map { Float($0 * scale) }
    }
}
