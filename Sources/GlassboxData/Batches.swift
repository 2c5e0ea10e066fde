import GlassboxEngine

/// One epoch of mini-batches over a `LabelledImages`: every index exactly once, in original order or
/// in a seeded random permutation. The last batch is smaller when the count is not a multiple of the
/// batch size (unless `dropLast`).
public struct Batches: Sequence, Sendable {
    public let source: LabelledImages
    public let batchSize: Int
    /// The image order of this epoch.
    public let order: [Int]
    public let dropLast: Bool

    /// Batches in `order`; each index must be valid.
    init(source: LabelledImages, batchSize: Int, order: [Int], dropLast: Bool) throws {
        guard batchSize > 0 else { throw DataError.invalidArgument("batch size must be positive, got \(batchSize)") }
        self.source = source
        self.batchSize = batchSize
        self.order = order
        self.dropLast = dropLast
    }

    /// The number of batches in the epoch.
    public var batchCount: Int {
        dropLast ? order.count / batchSize : (order.count + batchSize - 1) / batchSize
    }

    /// The indices (into `source`) of batch `number`.
    public func indices(ofBatch number: Int) -> ArraySlice<Int> {
        let start = number * batchSize
        return order[start..<Swift.min(start + batchSize, order.count)]
    }

    public func makeIterator() -> Iterator {
        Iterator(batches: self, position: 0)
    }

    public struct Iterator: IteratorProtocol, Sendable {
        let batches: Batches
        var position: Int

        public mutating func next() -> LabelledImages? {
            guard position < batches.batchCount else { return nil }
            defer { position += 1 }
            // Indices come from a permutation of valid indices, so selection cannot fail.
            return try? batches.source.selecting(Array(batches.indices(ofBatch: position)))
        }
    }
}

extension LabelledImages {
    /// One epoch of batches in original order (the reference's sequential batches, chapter 4).
    public func batches(size: Int, dropLast: Bool = false) throws -> Batches {
        try Batches(source: self, batchSize: size, order: Array(0..<count), dropLast: dropLast)
    }

    /// One epoch of batches in a random order drawn from `random`. Calling this once per epoch with
    /// the same generator gives a fresh permutation per epoch, reproducible from the seed.
    public func batches(size: Int, shuffledBy random: inout SeededRandom, dropLast: Bool = false) throws -> Batches {
        try Batches(source: self, batchSize: size, order: Permutation.random(count: count, using: &random),
                    dropLast: dropLast)
    }

    /// One epoch of batches shuffled by a generator seeded with `seed`.
    public func batches(size: Int, seed: UInt64, dropLast: Bool = false) throws -> Batches {
        var random = SeededRandom(seed: seed)
        return try batches(size: size, shuffledBy: &random, dropLast: dropLast)
    }
}

/// Random permutations and bounded integers that depend only on the generator's output, so results do
/// not change with the standard library's shuffling algorithm.
public enum Permutation {
    /// A uniformly random permutation of 0..<count (Fisher–Yates).
    public static func random(count: Int, using random: inout SeededRandom) -> [Int] {
        var order = Array(0..<count)
        order.withUnsafeMutableBufferPointer { buffer in
            var i = count - 1
            while i > 0 {
                let j = uniformInt(below: i + 1, using: &random)
                buffer.swapAt(i, j)
                i -= 1
            }
        }
        return order
    }

    /// A uniform integer in 0..<bound (Lemire's multiply-and-reject method); `bound` must be positive.
    public static func uniformInt(below bound: Int, using random: inout SeededRandom) -> Int {
        precondition(bound > 0, "uniformInt needs a positive bound")
        let range = UInt64(bound)
        var product = random.next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = random.next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }
}
