import GlassboxEngine

extension Tensor {
    /// Images `range` of a batch (the first dimension), as a new batch.
    func rows(_ range: Range<Int>) -> Tensor {
        let per = shape.first.map { $0 == 0 ? 0 : count / $0 } ?? 0
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, scalars: Array(scalars[(range.lowerBound * per)..<(range.upperBound * per)]))
    }

    /// The number of values per image of a batch.
    var valuesPerRow: Int {
        guard let n = shape.first, n > 0 else { return 0 }
        return count / n
    }
}
