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
    /// validation split. Labels must be 0…9 and counts must match; `names` label errors. The images stay
    /// bytes (byte/255 as floats when a batch is taken).
    public init(trainImages: IDXImages, trainLabels: IDXLabels, testImages: IDXImages, testLabels: IDXLabels,
                validationCount: Int = MNIST.validationCount,
                names: (trainImages: String, trainLabels: String, testImages: String, testLabels: String) =
                    ("train images", "train labels", "test images", "test labels")) throws {
        try self.init(trainImages: MNIST.rows(trainImages), trainLabels: trainLabels, testImages: MNIST.rows(testImages),
                      testLabels: testLabels, validationCount: validationCount, names: names)
    }

    /// The splits from images held as bytes (or floats) and their labels.
    init(trainImages: ImageRows, trainLabels: IDXLabels, testImages: ImageRows, testLabels: IDXLabels,
         validationCount: Int,
         names: (trainImages: String, trainLabels: String, testImages: String, testLabels: String)) throws {
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
        validation = try LabelledImages(rows: trainImages.slice(0..<validationCount), labels: Array(trainDigits[0..<validationCount]))
        train = try LabelledImages(rows: trainImages.slice(validationCount..<trainImages.count),
                                   labels: Array(trainDigits[validationCount...]))
        test = try LabelledImages(rows: testImages, labels: testDigits)
    }

    /// Locates (downloading if needed), reads and validates the four files. With `verifyChecksums`,
    /// the SHA-256 of each decompressed payload found on disk is checked too (downloads are always
    /// checked); otherwise local files are checked for format, exact size and item counts.
    /// `validationCount` is 5,000 for the real data; tests with tiny files pass a smaller one.
    ///
    /// The images stay bytes. An uncompressed image file is memory-mapped (read-only and shared: every
    /// process that maps the same file shares one copy in the page cache). A gzipped one is decompressed
    /// once into `<user cache>/unpacked/<SHA-256>-<CRC-32>`, after its payload's SHA-256 was found to be
    /// the catalog's, and that copy is mapped from then on (found again through the CRC-32 in the gzip
    /// file's trailer, so another file under the same name never gets MNIST's copy); a payload that is not the catalog's (or a cache
    /// that cannot be written) is kept in this process's memory instead.
    public static func load(locator: MNISTLocator = MNISTLocator(), verifyChecksums: Bool = false,
                            validationCount: Int = MNIST.validationCount) throws -> MNIST {
        let files = try locator.locate()
        func checkCount(_ found: Int, _ file: MNISTLocator.LocatedFile) throws {
            if let expected = file.spec.itemCount, expected != found {
                throw DataError.countMismatch(path: file.url.path, expected: expected, found: found)
            }
        }
        func images(_ role: MNISTFileRole) throws -> ImageRows {
            let file = files[role]!
            let rows = try MNISTImageFile.open(file, verifyChecksum: verifyChecksums,
                                               unpackedDirectory: locator.unpackedDirectory)
            try checkCount(rows.count, file)
            return rows
        }
        func labels(_ role: MNISTFileRole) throws -> IDXLabels {
            let file = files[role]!
            let bytes = try IDXFile.payload(at: file.url)
            if verifyChecksums { try MNISTLocator.verify(bytes, against: file.spec, source: file.url.path) }
            let labels = try IDXFile.parseLabels(bytes, name: file.url.path)
            try checkCount(labels.count, file)
            return labels
        }
        let trainImages = try images(.trainImages)
        let trainLabels = try labels(.trainLabels)
        let testImages = try images(.testImages)
        let testLabels = try labels(.testLabels)
        return try MNIST(trainImages: trainImages, trainLabels: trainLabels, testImages: testImages,
                         testLabels: testLabels, validationCount: validationCount,
                         names: (files[.trainImages]!.url.path, files[.trainLabels]!.url.path,
                                 files[.testImages]!.url.path, files[.testLabels]!.url.path))
    }

    /// Converts bytes to floats byte/255 through a 256-entry table (exact division, no per-pixel divide).
    public static func floatPixels(_ bytes: ArraySlice<UInt8>) -> [Float] {
        bytes.withUnsafeBufferPointer { ByteDecoding.unitInterval.decode($0) }
    }

    private static func digits(_ labels: IDXLabels, name: String) throws -> [Int] {
        if let bad = labels.labels.firstIndex(where: { $0 > 9 }) {
            throw DataError.badLabel(path: name, index: bad, value: Int(labels.labels[bad]), allowed: 0...9)
        }
        return labels.labels.map(Int.init)
    }

    private static func rows(_ images: IDXImages) throws -> ImageRows {
        try ImageRows(bytes: ByteStorage(images.pixels), offset: 0, count: images.count, height: images.rows,
                      width: images.columns, decoding: .unitInterval)
    }
}
