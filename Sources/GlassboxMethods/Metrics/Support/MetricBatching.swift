import GlassboxEngine

/// How metrics batch their work: every perturbed copy of a group of images goes through the
/// explainer (or the model) in one call, the groups sized to the memory budget.
enum MetricBatching {
    /// The most perturbed rows built at once (the explanation passes chunk them further by the
    /// model's batch size).
    static let rowsPerGroup = 1024

    /// Consecutive ranges of `images` images whose `copies` copies each (of `valuesPerImage`
    /// values, kept `buffers` times: the copies, their maps…) fit in the memory budget and in
    /// `rowsPerGroup` rows; throws `MemoryExhausted` when not even one image's copies fit.
    static func groups(images: Int, copies: Int, valuesPerImage: Int, buffers: Int = 3, what: String) throws -> [Range<Int>] {
        let bytesPerImage = 4 * copies * valuesPerImage * buffers
        let fit = MemoryBudget.shared.rowsThatFit(bytesPerRow: bytesPerImage)
        guard fit >= 1 else {
            throw MemoryExhausted(what: "\(what): \(copies) perturbed copies of one image", needed: bytesPerImage,
                                  inUse: MemoryBudget.shared.inUse, limit: MemoryBudget.shared.limit)
        }
        let size = max(1, min(fit, rowsPerGroup / max(copies, 1)))
        return stride(from: 0, to: images, by: size).map { $0..<min(images, $0 + size) }
    }

    /// `classes` with each entry repeated `times` times in place.
    static func repeated(_ classes: [Int], _ times: Int) -> [Int] {
        classes.flatMap { [Int](repeating: $0, count: times) }
    }

    /// A batch of `rows` rows shaped like `inputs`' rows, each written by `write(row, buffer)`.
    static func batch(like inputs: Tensor, rows: Int, write: (Int, UnsafeMutableBufferPointer<Float>) -> Void) throws -> Tensor {
        let per = inputs.valuesPerRow
        try MemoryBudget.shared.check(4 * rows * per, for: "\(rows) perturbed images")
        var values = [Float](repeating: 0, count: rows * per)
        values.withUnsafeMutableBufferPointer { buffer in
            for r in 0..<rows { write(r, UnsafeMutableBufferPointer(rebasing: buffer[(r * per)..<((r + 1) * per)])) }
        }
        var shape = inputs.shape
        shape[0] = rows
        return Tensor(shape: shape, scalars: values)
    }
}

/// The values of row `i` of a batch.
func rowSlice(_ t: Tensor, _ i: Int) -> ArraySlice<Float> {
    let per = t.valuesPerRow
    return t.scalars[(i * per)..<((i + 1) * per)]
}

/// Copies `source` into `target` (equal lengths).
func copyValues(_ source: ArraySlice<Float>, into target: UnsafeMutableBufferPointer<Float>) {
    source.withUnsafeBufferPointer { s in
        for j in 0..<target.count { target[j] = s[j] }
    }
}
