import GlassboxEngine

/// The three MNIST splits as the reference loader makes them (convention C1): validation = original
/// training images 0–4,999, train = original training images 5,000–59,999 (55,000), test = the
/// 10,000 official test images. Images are `[N, 1, 28, 28]`, byte/255.
public struct MNIST: Sendable {
    /// 55,000 images: original training indices 5,000–59,999.
    public let train: LabelledImages
    /// 5,000 images: original training indices 0–4,999.
    public let validation: LabelledImages
    /// The 10,000 official test images.
    public let test: LabelledImages

    /// The number of leading original training images held out as validation.
    public static let validationCount = 5_000

    /// The splits, by name.
    public enum Split: String, CaseIterable, Sendable {
        case train, validation, test
    }

    /// The labelled images of `split`.
    public func split(_ split: Split) -> LabelledImages {
        switch split {
        case .train: return train
        case .validation: return validation
        case .test: return test
        }
    }

    /// Builds the splits from raw IDX contents. `validationCount` leading training images become the
    /// validation split. Labels must be 0…9 and counts must match; `names` label errors.
    public init(trainImages: IDXImages, trainLabels: IDXLabels, testImages: IDXImages, testLabels: IDXLabels,
                validationCount: Int = MNIST.validationCount,
                names: (trainImages: String, trainLabels: String, testImages: String, testLabels: String) =
                    ("train images", "train labels", "test images", "test labels")) throws {
        guard trainImages.count == trainLabels.count else {
            throw DataError.countMismatch(path: names.trainLabels, expected: trainImages.count, found: trainLabels.count)
        }
        guard testImages.count == testLabels.count else {
            throw DataError.countMismatch(path: names.testLabels, expected: testImages.count, found: testLabels.count)
        }
        guard validationCount >= 0, validationCount <= trainImages.count else {
            throw DataError.invalidArgument(
                "validation count \(validationCount) is outside 0…\(trainImages.count) training images")
        }
        let trainDigits = try MNIST.digits(trainLabels, name: names.trainLabels)
        let testDigits = try MNIST.digits(testLabels, name: names.testLabels)
        // Every pixel becomes a Float: check the whole dataset against the memory budget first.
        let pixels = trainImages.pixels.count + testImages.pixels.count
        try MemoryBudget.shared.check(pixels * MemoryLayout<Float>.stride, for: "MNIST's \(pixels) pixels as floats")
        validation = try MNIST.labelled(trainImages, trainDigits, range: 0..<validationCount)
        train = try MNIST.labelled(trainImages, trainDigits, range: validationCount..<trainImages.count)
        test = try MNIST.labelled(testImages, testDigits, range: 0..<testImages.count)
    }

    /// Locates (downloading if needed), reads and validates the four files. With `verifyChecksums`,
    /// the SHA-256 of each decompressed payload found on disk is checked too (downloads are always
    /// checked); otherwise local files are checked for format, exact size and item counts.
    /// `validationCount` is 5,000 for the real data; tests with tiny files pass a smaller one.
    public static func load(locator: MNISTLocator = MNISTLocator(), verifyChecksums: Bool = false,
                            validationCount: Int = MNIST.validationCount) throws -> MNIST {
        let files = try locator.locate()
        func payload(_ role: MNISTFileRole) throws -> (bytes: [UInt8], file: MNISTLocator.LocatedFile) {
            let file = files[role]!
            let bytes = try IDXFile.payload(at: file.url)
            if verifyChecksums { try MNISTLocator.verify(bytes, against: file.spec, source: file.url.path) }
            return (bytes, file)
        }
        func checkCount(_ found: Int, _ file: MNISTLocator.LocatedFile) throws {
            if let expected = file.spec.itemCount, expected != found {
                throw DataError.countMismatch(path: file.url.path, expected: expected, found: found)
            }
        }
        let trainImagesRaw = try payload(.trainImages)
        let trainImages = try IDXFile.parseImages(trainImagesRaw.bytes, name: trainImagesRaw.file.url.path)
        try checkCount(trainImages.count, trainImagesRaw.file)
        let trainLabelsRaw = try payload(.trainLabels)
        let trainLabels = try IDXFile.parseLabels(trainLabelsRaw.bytes, name: trainLabelsRaw.file.url.path)
        try checkCount(trainLabels.count, trainLabelsRaw.file)
        let testImagesRaw = try payload(.testImages)
        let testImages = try IDXFile.parseImages(testImagesRaw.bytes, name: testImagesRaw.file.url.path)
        try checkCount(testImages.count, testImagesRaw.file)
        let testLabelsRaw = try payload(.testLabels)
        let testLabels = try IDXFile.parseLabels(testLabelsRaw.bytes, name: testLabelsRaw.file.url.path)
        try checkCount(testLabels.count, testLabelsRaw.file)
        return try MNIST(trainImages: trainImages, trainLabels: trainLabels, testImages: testImages,
                         testLabels: testLabels, validationCount: validationCount,
                         names: (trainImagesRaw.file.url.path, trainLabelsRaw.file.url.path,
                                 testImagesRaw.file.url.path, testLabelsRaw.file.url.path))
    }

    /// Converts bytes to floats byte/255 through a 256-entry table (exact division, no per-pixel divide).
    public static func floatPixels(_ bytes: ArraySlice<UInt8>) -> [Float] {
        let table = (0..<256).map { Float($0) / 255 }
        return [Float](unsafeUninitializedCapacity: bytes.count) { output, initialised in
            table.withUnsafeBufferPointer { lookup in
                bytes.withUnsafeBufferPointer { input in
                    for i in 0..<input.count { output[i] = lookup[Int(input[i])] }
                }
            }
            initialised = bytes.count
        }
    }

    private static func digits(_ labels: IDXLabels, name: String) throws -> [Int] {
        if let bad = labels.labels.firstIndex(where: { $0 > 9 }) {
            throw DataError.badLabel(path: name, index: bad, value: Int(labels.labels[bad]), allowed: 0...9)
        }
        return labels.labels.map(Int.init)
    }

    private static func labelled(_ images: IDXImages, _ labels: [Int], range: Range<Int>) throws -> LabelledImages {
        let stride = images.rows * images.columns
        let pixels = floatPixels(images.pixels[(range.lowerBound * stride)..<(range.upperBound * stride)])
        return try LabelledImages(images: Tensor(shape: [range.count, 1, images.rows, images.columns], scalars: pixels),
                                  labels: Array(labels[range]))
    }
}
