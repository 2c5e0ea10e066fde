/// How many floats an operation allocates (its result and its scratch), known before it runs, so that
/// a caller can check them against the `MemoryBudget` and refuse a request instead of being killed.
///
/// Counts saturate at `Int.max` instead of overflowing. Shapes are checked as the operation itself
/// checks them, so a bad shape throws the operation's `EngineError` here already.
public enum WorkingMemory {
    /// The product of `factors`, or `Int.max` when it overflows (or any factor is negative).
    public static func product(_ factors: [Int]) -> Int {
        var total = 1
        for factor in factors {
            guard factor >= 0 else { return Int.max }
            let (next, overflow) = total.multipliedReportingOverflow(by: factor)
            if overflow { return Int.max }
            total = next
        }
        return total
    }

    /// The sum of `terms`, or `Int.max` when it overflows.
    public static func sum(_ terms: [Int]) -> Int {
        var total = 0
        for term in terms {
            let (next, overflow) = total.addingReportingOverflow(term)
            if overflow { return Int.max }
            total = next
        }
        return total
    }

    /// The bytes of `floats` float32 values (saturating).
    public static func bytes(floats: Int) -> Int {
        product([floats, MemoryLayout<Float>.stride])
    }

    /// `matmul(a, b)` of an [m, k] and a [k, n] matrix: the [m, n] result.
    public static func matrixProduct(rows m: Int, columns n: Int) -> Int {
        product([m, n])
    }

    /// `Convolution2D.forward`: the result [N, O, oh, ow], plus per core a packed copy of the
    /// weights, one zero-padded image and one image's result tile (`uniform_conv`'s scratch), or the
    /// im2col columns of one block of images on the im2col path.
    public static func convolution(input: [Int], weight: [Int], stride: (Int, Int), padding: Padding) throws -> Int {
        let g = try Convolution2D.geometry(input: input, weight: weight, stride: stride, padding: padding)
        let result = product([input[0], weight[0], g.outputHeight, g.outputWidth])
        if Convolution2D.usesDirectForward(g, channels: input[1], outputChannels: weight[0]) {
            return sum([result, product([ParallelLoop.width, directScratch(g, channels: input[1], outputChannels: weight[0])])])
        }
        // The im2col columns of one block of images (and its product before the scatter).
        let rows = product([input[1], g.kernelHeight, g.kernelWidth])
        let spatial = product([g.outputHeight, g.outputWidth])
        let chunk = Convolution2D.chunkSize(images: Swift.max(input[0], 1), spatial: spatial, budget: nil, rows: rows)
        return sum([result, product([rows, chunk, spatial]), chunk > 1 ? product([weight[0], chunk, spatial]) : 0])
    }

    /// `Convolution2D.inputGradient` (the transposed convolution): the result `inputShape`, plus either
    /// the direct correlation's scratch per core or the im2col columns of one block of images.
    public static func transposedConvolution(weight: [Int], inputShape: [Int], stride: (Int, Int), padding: Padding) throws -> Int {
        let g = try Convolution2D.geometry(input: inputShape, weight: weight, stride: stride, padding: padding)
        let (n, c, o) = (inputShape[0], inputShape[1], weight[0])
        let result = product(inputShape)
        if Convolution2D.usesDirectInputGradient(g, channels: c, outputChannels: o) {
            // A stride-1 convolution of the output gradient [N, O, oh, ow] with the flipped weights
            // (padded on each side by at most the kernel), giving [N, C, H, W].
            let perCore = sum([product(weight), transposedDirectScratch(g, channels: c, outputChannels: o)])
            return sum([result, product([ParallelLoop.width, perCore])])
        }
        let rows = product([c, g.kernelHeight, g.kernelWidth])
        let spatial = product([g.outputHeight, g.outputWidth])
        let chunk = Convolution2D.chunkSize(images: Swift.max(n, 1), spatial: spatial, budget: nil, rows: rows)
        let columns = product([rows, chunk, spatial])
        let gathered = chunk > 1 ? product([o, chunk, spatial]) : 0
        return sum([result, columns, gathered])
    }

    /// Max or average pooling forward: the result [N, C, oh, ow].
    public static func pooling(input: [Int], window: (Int, Int), stride: (Int, Int), padding: Padding) throws -> Int {
        let g = try Pooling2D.geometry(input: input, window: window, stride: stride, padding: padding, operation: "pool")
        return product([input[0], input[1], g.outputHeight, g.outputWidth])
    }

    /// `uniform_conv`'s scratch for one core: packed weights (output channels rounded up to a tile of
    /// 32), one zero-padded image and one image's positions × channels result tile.
    static func directScratch(channels: Int, outputChannels: Int, kernel: (Int, Int), paddedHeight: Int, paddedWidth: Int,
                              outputPositions: Int) -> Int {
        let paddedChannels = product([(outputChannels + 31) / 32, 32])
        return sum([product([paddedChannels, channels, kernel.0, kernel.1]), product([channels, paddedHeight, paddedWidth]),
                    product([outputPositions, paddedChannels])])
    }

    /// `directScratch` of the stride-1 input gradient of the convolution with geometry `g`: the
    /// correlation of the output gradient (O channels, padded by at most the kernel) giving C channels.
    static func transposedDirectScratch(_ g: WindowGeometry, channels c: Int, outputChannels o: Int) -> Int {
        directScratch(channels: o, outputChannels: c, kernel: (g.kernelHeight, g.kernelWidth),
                      paddedHeight: sum([g.outputHeight, 2 * g.kernelHeight]), paddedWidth: sum([g.outputWidth, 2 * g.kernelWidth]),
                      outputPositions: product([g.inputHeight, g.inputWidth]))
    }

    /// `directScratch` of the convolution with geometry `g`.
    static func directScratch(_ g: WindowGeometry, channels: Int, outputChannels: Int) -> Int {
        directScratch(channels: channels, outputChannels: outputChannels, kernel: (g.kernelHeight, g.kernelWidth),
                      paddedHeight: Swift.max(g.inputHeight + g.padTop + g.padBottom, (g.outputHeight - 1) * g.strideHeight + g.kernelHeight),
                      paddedWidth: Swift.max(g.inputWidth + g.padLeft + g.padRight, (g.outputWidth - 1) * g.strideWidth + g.kernelWidth),
                      outputPositions: product([g.outputHeight, g.outputWidth]))
    }
}
