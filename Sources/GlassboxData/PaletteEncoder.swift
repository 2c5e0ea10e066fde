import GlassboxEngine

/// Holds float images as codes into the list of their distinct values, losslessly: one byte per pixel
/// when the images hold at most 256 distinct values, two bytes when they hold at most 65,536, and
/// plain floats beyond. Cluttered MNIST read from the reference's float32 `.npz` (sums of two
/// byte-valued digits, clipped) holds a few thousand values, so it takes half the memory and decodes
/// to the same bits.
///
/// Values may be appended in parts (`append`); `rows` gives them back as `ImageRows`. Values are told apart by their bit patterns: −0 and +0 stay
/// distinct, and so does every NaN payload.
public struct PaletteEncoder {
    /// One code per value appended so far, while the palette has room.
    private var codes: [UInt16] = []
    /// The distinct values, in the order they first appeared; code `c` is `palette[c]`.
    private var palette: [Float] = []
    private var index: [UInt32: UInt16] = [:]
    /// Every value appended so far, once there were more than 65,536 distinct ones.
    private var overflow: [Float]?
    /// The number of values appended.
    public private(set) var count = 0

    /// An encoder expecting about `capacity` values.
    public init(reservingCapacity capacity: Int = 0) {
        codes.reserveCapacity(max(0, capacity))
    }

    /// The number of distinct values so far (nil once there were more than 65,536).
    public var distinctValues: Int? { overflow == nil ? palette.count : nil }

    /// Appends `values`.
    public mutating func append(_ values: UnsafeBufferPointer<Float>) {
        count += values.count
        if overflow != nil {
            overflow!.append(contentsOf: values)
            return
        }
        guard let source = values.baseAddress else { return }
        let start = codes.count
        codes.append(contentsOf: repeatElement(0, count: values.count))
        // Runs of one value (the black background) cost a comparison each.
        var lastBits = source[0].bitPattern &+ 1
        var lastCode: UInt16 = 0
        var full: Int? = nil
        var index = self.index, palette = self.palette
        self.index = [:]
        codes.withUnsafeMutableBufferPointer { all in
            let output = all.baseAddress! + start
            var i = 0
            while i < values.count {
                let bits = source[i].bitPattern
                if bits != lastBits {
                    if let known = index[bits] {
                        lastCode = known
                    } else if palette.count < 65_536 {
                        lastCode = UInt16(palette.count)
                        index[bits] = lastCode
                        palette.append(source[i])
                    } else {
                        full = i
                        return
                    }
                    lastBits = bits
                }
                output[i] = lastCode
                i += 1
            }
        }
        self.index = index
        self.palette = palette
        if let full {
            // More than 65,536 distinct values: from now on keep floats.
            var floats = codes[..<(start + full)].map { palette[Int($0)] }
            floats.append(contentsOf: values[full...])
            overflow = floats
            codes = []
            self.palette = []
            self.index = [:]
        }
    }

    /// Appends `values`.
    public mutating func append(_ values: [Float]) {
        values.withUnsafeBufferPointer { append($0) }
    }

    /// The values appended, as `count` images of `height`×`width` (which must account for every value):
    /// one-byte codes, two-byte codes or floats, whichever is the narrowest that holds them exactly.
    public func rows(count images: Int, height: Int, width: Int) throws -> ImageRows {
        guard images >= 0, height > 0, width > 0, images * height * width == count else {
            throw DataError.invalidArgument("\(count) values are not \(images) images of \(height)×\(width)")
        }
        if let overflow {
            return ImageRows(Tensor(shape: [images, 1, height, width], scalars: overflow))
        }
        let decoding = ByteDecoding(palette: palette)
        let storage = decoding.codeWidth == 2
            ? ByteStorage(words: codes)
            : ByteStorage(codes.map { UInt8(truncatingIfNeeded: $0) })
        return try ImageRows(bytes: storage, offset: 0, count: images, height: height, width: width, decoding: decoding)
    }
}

extension ImageRows {
    /// `images` (`[N, 1, H, W]`) held in the narrowest exact form (`PaletteEncoder`): one-byte codes
    /// for at most 256 distinct values, two-byte codes for at most 65,536, floats beyond. Every image
    /// decodes to the same bits as before.
    public static func compacting(_ images: Tensor) throws -> ImageRows {
        guard images.rank == 4, images.shape[1] == 1, images.shape[2] > 0, images.shape[3] > 0 else {
            throw DataError.invalidArgument("images to compact must have shape [N, 1, H, W], got \(images.shape)")
        }
        var encoder = PaletteEncoder(reservingCapacity: images.count)
        images.scalars.withUnsafeBufferPointer { encoder.append($0) }
        return try encoder.rows(count: images.shape[0], height: images.shape[2], width: images.shape[3])
    }
}
