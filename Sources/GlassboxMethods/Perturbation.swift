import GlassboxEngine
import GlassboxModels

// What the perturbation methods (occlusion, LIME, Kernel SHAP) share: forward-only passes over
// many perturbed copies of the images, the segments they switch on and off, and the weighted
// least-squares fits of LIME and Kernel SHAP.

extension ExplainedModel {
    /// The image geometry (channels, height, width) of a model whose inputs are images; throws
    /// for any other input shape, naming the method.
    func imageGeometry(method: String) throws -> (channels: Int, height: Int, width: Int) {
        let shape = network.inputShape
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
            throw MethodError.unsupportedModel(method: method,
                                               message: "perturbs image regions, so the model's inputs must be images [C, H, W]; they are \(shape)")
        }
        return (shape[0], shape[1], shape[2])
    }

    /// f for `rows` perturbed input rows that `fill(range, buffer)` writes (row r explaining
    /// `targets(r)`), in forward-only passes of at most `batchSize` rows (shrunk to the memory
    /// budget) that mix images; up to `ConcurrentWorkers.width` passes run side by side. `fill` is
    /// called on the calling thread in row order. Cancellation is checked and progress reported
    /// between groups of passes. A row's value depends only on the row (the engine's products
    /// treat every row alike), never on the other rows of its pass.
    func perturbedScores(rows: Int, targets: (Int) -> Int, task: String, monitor: WorkMonitor,
                         fill: (Range<Int>, UnsafeMutableBufferPointer<Float>) -> Void) throws -> [Float] {
        let per = network.inputShape.reduce(1, *)
        let group = ConcurrentWorkers.isAvailable ? ConcurrentWorkers.width : 1
        let batch = try rowsPerPass(group: group, withReference: false)
        try MemoryBudget.shared.check(rows * 4, for: "\(task)'s \(rows) scores")
        var scores = [Float](repeating: 0, count: rows)
        var done = 0
        while done < rows {
            try monitor.cancellation.check()
            var ranges: [Range<Int>] = []
            var start = done
            while start < rows && ranges.count < group {
                ranges.append(start..<Swift.min(rows, start + batch))
                start += batch
            }
            let inputs: [Tensor] = ranges.map { range in
                var values = [Float](repeating: 0, count: range.count * per)
                values.withUnsafeMutableBufferPointer { fill(range, $0) }
                return Tensor(shape: [range.count] + network.inputShape, scalars: values)
            }
            let chunkTargets = ranges.map { $0.map(targets) }
            var results = [[Float]](repeating: [], count: ranges.count)
            try results.withUnsafeMutableBufferPointer { slots in
                // Each job writes only its own slot.
                nonisolated(unsafe) let slots = slots
                try ConcurrentWorkers.run(inputs.count) { i in
                    let logits = try network.forward(inputs[i])
                    slots[i] = explainedValues(logits: logits, targets: chunkTargets[i])
                }
            }
            for (range, values) in zip(ranges, results) { scores.replaceSubrange(range, with: values) }
            done = ranges[ranges.count - 1].upperBound
            monitor.progress(ProgressEvent(task: task, completed: done, total: rows, finished: done == rows))
        }
        return scores
    }
}

/// Super-pixels of an image plane: every pixel belongs to one of `count` segments, numbered
/// 0..<count. The grid cuts the plane into rows × columns rectangles (rows the largest divisor of
/// `count` not above √count), as even as the plane allows: 16 segments of a 28 × 28 digit are
/// 7 × 7 squares, of a 40 × 40 cluttered image 10 × 10 squares.
public struct Segments: Sendable, Equatable {
    /// The segment of each pixel, row-major over the plane.
    public let labels: [Int]
    /// The number of segments.
    public let count: Int
    /// The plane's size.
    public let height: Int, width: Int

    public init(labels: [Int], count: Int, height: Int, width: Int) {
        self.labels = labels
        self.count = count
        self.height = height
        self.width = width
    }

    /// The grid of `count` rectangles over a `height` × `width` plane; throws unless every
    /// rectangle has at least one pixel.
    public static func grid(_ count: Int, height: Int, width: Int, method: String) throws -> Segments {
        var rows = 1
        var d = 1
        while d * d <= count {
            if count % d == 0 { rows = d }
            d += 1
        }
        // The longer side of the plane gets the larger number of bands.
        var (bandsDown, bandsAcross) = (rows, count / rows)
        if height > width { swap(&bandsDown, &bandsAcross) }
        guard bandsDown <= height, bandsAcross <= width else {
            throw MethodError.option(method: method, option: "segments",
                                     message: "asks for a \(bandsDown) × \(bandsAcross) grid, more cells than the \(height) × \(width) image has pixels",
                                     given: nil, candidates: [])
        }
        var labels = [Int](repeating: 0, count: height * width)
        for y in 0..<height {
            let band = y * bandsDown / height
            for x in 0..<width { labels[y * width + x] = band * bandsAcross + x * bandsAcross / width }
        }
        return Segments(labels: labels, count: count, height: height, width: width)
    }

    /// The number of pixels of each segment.
    public var sizes: [Int] {
        var sizes = [Int](repeating: 0, count: count)
        for label in labels { sizes[label] += 1 }
        return sizes
    }

    /// Writes `image` (channels × plane) into `out` with the segments whose `on` entry is false
    /// replaced by `fill`, in every channel.
    func apply(_ on: UnsafeBufferPointer<Bool>, image: UnsafeBufferPointer<Float>, fill: Float,
               channels: Int, into out: UnsafeMutableBufferPointer<Float>) {
        let plane = height * width
        for c in 0..<channels {
            let base = c * plane
            for p in 0..<plane { out[base + p] = on[labels[p]] ? image[base + p] : fill }
        }
    }
}

/// Weighted linear least squares in Double, solved through the normal equations by Gaussian
/// elimination with partial pivoting.
enum WeightedLeastSquares {
    /// The β minimising Σ_s w_s (y_s − x_s·β)² + Σ_k penalty_k β_k², with `design` the rows x_s
    /// (row-major, `columns` values each). A column that no sample distinguishes (a singular
    /// system) gets the least-norm-like value 0 rather than infinity: its pivot is dropped.
    static func solve(design: [Double], columns: Int, targets: [Double], weights: [Double], penalty: [Double]) -> [Double] {
        let n = targets.count
        var a = [Double](repeating: 0, count: columns * columns)
        var b = [Double](repeating: 0, count: columns)
        design.withUnsafeBufferPointer { x in
            for s in 0..<n where weights[s] != 0 {
                let w = weights[s], row = s * columns
                for i in 0..<columns where x[row + i] != 0 {
                    let wx = w * x[row + i]
                    b[i] += wx * targets[s]
                    for j in i..<columns { a[i * columns + j] += wx * x[row + j] }
                }
            }
        }
        for i in 0..<columns {
            a[i * columns + i] += penalty[i]
            for j in 0..<i { a[i * columns + j] = a[j * columns + i] }
        }
        return solveSymmetric(a, b, size: columns)
    }

    /// x with A x = b (A size × size, row-major), by elimination with partial pivoting; a pivot
    /// below 1e-13 of the largest diagonal value leaves its unknown at 0.
    static func solveSymmetric(_ matrix: [Double], _ rhs: [Double], size: Int) -> [Double] {
        var a = matrix, b = rhs
        let scale = (0..<size).map { Swift.abs(a[$0 * size + $0]) }.max() ?? 0
        let tiny = Swift.max(scale, 1e-300) * 1e-13
        var pivotOf = [Int](repeating: -1, count: size)  // the row holding each column's pivot
        var usedRows = [Bool](repeating: false, count: size)
        for column in 0..<size {
            var best = -1, largest = tiny
            for row in 0..<size where !usedRows[row] && Swift.abs(a[row * size + column]) > largest {
                best = row
                largest = Swift.abs(a[row * size + column])
            }
            guard best >= 0 else { continue }
            usedRows[best] = true
            pivotOf[column] = best
            let pivot = a[best * size + column]
            for row in 0..<size where row != best {
                let factor = a[row * size + column] / pivot
                guard factor != 0 else { continue }
                for j in column..<size { a[row * size + j] -= factor * a[best * size + j] }
                b[row] -= factor * b[best]
            }
        }
        return (0..<size).map { column in
            let row = pivotOf[column]
            return row < 0 ? 0 : b[row] / a[row * size + column]
        }
    }
}

extension ImageNoise {
    /// A uniformly random Bool from `random` (the top bit of one 64-bit draw).
    static func coin(_ random: inout SeededRandom) -> Bool { random.next() >> 63 == 1 }
}
