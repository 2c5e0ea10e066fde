import CUniformGemm

/// 2-D convolution (cross-correlation, as in PyTorch and TensorFlow) on NCHW batches, by im2col and
/// one `sgemm` per image, with the backward passes for the input (col2im: the transposed
/// convolution), the weights and the bias.
///
/// Layouts as in PyTorch: input [N, C, H, W], weight [O, C, kh, kw], bias [O], output [N, O, oh, ow].
public enum Convolution2D {
    /// The geometry of convolving `input` with `weight`; throws on rank or channel mismatch.
    public static func geometry(input: [Int], weight: [Int], stride: (Int, Int), padding: Padding) throws -> WindowGeometry {
        guard input.count == 4 else {
            throw EngineError.shapeMismatch(operation: "conv2d", expected: "[N, C, H, W] input", got: input)
        }
        guard weight.count == 4 else {
            throw EngineError.shapeMismatch(operation: "conv2d", expected: "[out, in, kh, kw] weight", got: weight)
        }
        guard weight[1] == input[1] else {
            throw EngineError.shapeMismatch(
                operation: "conv2d", expected: "[N, \(weight[1]), H, W] input for weight \(weight)", got: input)
        }
        return try WindowGeometry(inputHeight: input[2], inputWidth: input[3], kernel: (weight[2], weight[3]),
                                  stride: stride, padding: padding, operation: "conv2d")
    }

    /// Fills one image's block of columns of `cols` ([C·kh·kw rows, `rowStride` apart; oh·ow
    /// columns from `cols`]) from one image `x` ([C, H, W]).
    static func im2colReference(_ x: UnsafePointer<Float>, channels: Int, _ g: WindowGeometry, _ cols: UnsafeMutablePointer<Float>,
                       rowStride: Int) {
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        var row = 0
        for c in 0..<channels {
            let plane = x + c * h * w
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    let dst = cols + row * rowStride
                    for oy in 0..<oh {
                        let iy = oy * g.strideHeight - g.padTop + ki
                        let line = dst + oy * ow
                        if iy < 0 || iy >= h {
                            line.update(repeating: 0, count: ow)
                            continue
                        }
                        let src = plane + iy * w
                        var ix = kj - g.padLeft
                        for ox in 0..<ow {
                            line[ox] = (ix >= 0 && ix < w) ? src[ix] : 0
                            ix += g.strideWidth
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Adds one image's block of `cols` (layout as in `im2col`) back into the image gradient `dx`
    /// ([C, H, W]); the adjoint of im2col.
    static func col2imReference(_ cols: UnsafePointer<Float>, channels: Int, _ g: WindowGeometry, _ dx: UnsafeMutablePointer<Float>,
                       rowStride: Int) {
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        var row = 0
        for c in 0..<channels {
            let plane = dx + c * h * w
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    let src = cols + row * rowStride
                    for oy in 0..<oh {
                        let iy = oy * g.strideHeight - g.padTop + ki
                        if iy < 0 || iy >= h { continue }
                        let line = src + oy * ow
                        let dst = plane + iy * w
                        var ix = kj - g.padLeft
                        for ox in 0..<ow {
                            if ix >= 0 && ix < w { dst[ix] += line[ox] }
                            ix += g.strideWidth
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// The output columns ox whose input column ox·stride + offset lies inside 0..<width.
    @inline(__always)
    static func validColumns(offset: Int, stride: Int, width: Int, outputWidth: Int) -> Range<Int> {
        // ox·stride + offset ≥ 0  ⇔  ox ≥ ceil(−offset / stride);  ox·stride + offset < width.
        let low = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let high = width - offset <= 0 ? 0 : (width - offset - 1) / stride + 1
        let lo = Swift.min(low, outputWidth), hi = Swift.min(Swift.max(high, lo), outputWidth)
        return lo..<hi
    }

    /// Fills one image's block of columns of `cols` ([C·kh·kw rows, `rowStride` apart; oh·ow
    /// columns from `cols`]) from one image `x` ([C, H, W]). Equal to `im2colReference`; the valid
    /// column range of each kernel offset is computed once, so the inner loop has no branches.
    @inline(__always)
    static func im2col(_ x: UnsafePointer<Float>, channels: Int, _ g: WindowGeometry, _ cols: UnsafeMutablePointer<Float>,
                       rowStride: Int) {
        let (h, w, oh, ow, sw) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth, g.strideWidth)
        var row = 0
        for c in 0..<channels {
            let plane = x + c * h * w
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    let dst = cols + row * rowStride
                    let offset = kj - g.padLeft
                    let valid = validColumns(offset: offset, stride: sw, width: w, outputWidth: ow)
                    for oy in 0..<oh {
                        let iy = oy * g.strideHeight - g.padTop + ki
                        let line = dst + oy * ow
                        if iy < 0 || iy >= h || valid.isEmpty {
                            line.update(repeating: 0, count: ow)
                            continue
                        }
                        let src = plane + iy * w + offset
                        if valid.lowerBound > 0 { line.update(repeating: 0, count: valid.lowerBound) }
                        if sw == 1 {
                            (line + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
                        } else {
                            for ox in valid { line[ox] = src[ox * sw] }
                        }
                        if valid.upperBound < ow { (line + valid.upperBound).update(repeating: 0, count: ow - valid.upperBound) }
                    }
                    row += 1
                }
            }
        }
    }

    /// Adds one image's block of `cols` (layout as in `im2col`) back into the image gradient `dx`
    /// ([C, H, W]); the adjoint of im2col. Equal to `col2imReference`, without per-element branches.
    @inline(__always)
    static func col2im(_ cols: UnsafePointer<Float>, channels: Int, _ g: WindowGeometry, _ dx: UnsafeMutablePointer<Float>,
                       rowStride: Int) {
        let (h, w, oh, ow, sw) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth, g.strideWidth)
        var row = 0
        for c in 0..<channels {
            let plane = dx + c * h * w
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    let src = cols + row * rowStride
                    let offset = kj - g.padLeft
                    let valid = validColumns(offset: offset, stride: sw, width: w, outputWidth: ow)
                    row += 1
                    if valid.isEmpty { continue }
                    for oy in 0..<oh {
                        let iy = oy * g.strideHeight - g.padTop + ki
                        if iy < 0 || iy >= h { continue }
                        let line = src + oy * ow
                        let dst = plane + iy * w + offset
                        if sw == 1 {
                            for ox in valid { dst[ox] += line[ox] }
                        } else {
                            for ox in valid { dst[ox * sw] += line[ox] }
                        }
                    }
                }
            }
        }
    }

    /// Least number of im2col columns (images × output positions) handled by one `sgemm`.
    static let columnBudget = 2048

    /// The columns per block inside `ConcurrentWorkers`, where products are single-threaded and
    /// cost no hand-off: 512 columns of a 32-channel 3×3 convolution (590 KB) stay in a core's 1 MB
    /// L2 cache between im2col and the product. Measured on the 2-core machine against 2048 (SkylakeX
    /// kernels, medians of 10 alternating runs): SmoothGrad 13.3 → 12.2 ms per image, integrated
    /// gradients 14.1 → 13.4.
    static let workerColumnBudget = 512

    /// The columns per block when the caller gives no budget: at least `columnBudget` (or
    /// `workerColumnBudget` inside workers), more when `rows` (C·kh·kw) is small, so that blocks hold
    /// about as many floats as that many columns of a 32-channel 3×3 convolution (2048 columns:
    /// 2.3 MB). Convolutions with few rows per column (conv1 of MNIST models: 9) thus take more
    /// images per block: a batch needs a handful of `sgemm` calls and thread hand-offs instead of one
    /// per two images, and each hand-off costs a scheduler slice on a loaded machine.
    @inline(__always)
    static func defaultBudget(rows: Int) -> Int {
        let columns = ConcurrentWorkers.isActive ? workerColumnBudget : columnBudget
        return Swift.max(columns, columns * 288 / Swift.max(rows, 1))
    }

    /// How many images share one im2col matrix so that small feature maps still give wide products;
    /// `budget` columns per block, or `defaultBudget(rows:)` when nil.
    @inline(__always)
    static func chunkSize(images: Int, spatial: Int, budget: Int?, rows: Int) -> Int {
        let columns = budget ?? defaultBudget(rows: rows)
        return Swift.max(1, Swift.min(images, columns / Swift.max(spatial, 1)))
    }

    /// y = conv(x, weight) + bias.
    public static func forward(input x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int),
                               padding: Padding) throws -> Tensor {
        try forward(input: x, weight: weight, bias: bias, stride: stride, padding: padding, budget: nil)
    }

    static func forward(input x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int),
                        padding: Padding, budget: Int?) throws -> Tensor {
        let g = try geometry(input: x.shape, weight: weight.shape, stride: stride, padding: padding)
        let (n, c, o) = (x.shape[0], x.shape[1], weight.shape[0])
        if let bias, bias.shape != [o] {
            throw EngineError.shapeMismatch(operation: "conv2d", expected: "[\(o)] bias", got: bias.shape)
        }
        if budget == nil, usesDirectForward(g, channels: c, outputChannels: o) {
            return direct(input: x, weight: weight, bias: bias, geometry: g)
        }
        let k = c * g.kernelHeight * g.kernelWidth
        let spatial = g.outputHeight * g.outputWidth
        let imageSize = c * g.inputHeight * g.inputWidth
        var out = [Float](scratch: n * o * spatial)
        if out.isEmpty { return Tensor(shape: [n, o, g.outputHeight, g.outputWidth], scalars: out) }
        let chunk = chunkSize(images: n, spatial: spatial, budget: budget, rows: k)
        var cols = [Float](scratch: k * chunk * spatial)
        var product = [Float](scratch: chunk > 1 ? o * chunk * spatial : 0)
        let biasValues = bias?.scalars ?? []
        x.scalars.withUnsafeBufferPointer { px in
            weight.scalars.withUnsafeBufferPointer { pw in
                biasValues.withUnsafeBufferPointer { pb in
                cols.withUnsafeMutableBufferPointer { pc in
                    product.withUnsafeMutableBufferPointer { pp in
                        out.withUnsafeMutableBufferPointer { po in
                            let biasBase = bias == nil ? nil : pb.baseAddress
                            var first = 0
                            while first < n {
                                let count = Swift.min(chunk, n - first)
                                let width = count * spatial
                                ParallelLoop.forEachBlock(count, workPerIteration: k * spatial) { images in
                                    for b in images {
                                        im2col(px.baseAddress! + (first + b) * imageSize, channels: c, g,
                                               pc.baseAddress! + b * spatial, rowStride: width)
                                    }
                                }
                                if chunk == 1 {
                                    let image = po.baseAddress! + first * o * spatial
                                    MatrixProduct.gemm(pw.baseAddress!, transposeA: false, pc.baseAddress!, transposeB: false,
                                                       image, m: o, n: spatial, k: k)
                                    if let biasBase {
                                        for ch in 0..<o {
                                            let line = image + ch * spatial, value = biasBase[ch]
                                            for i in 0..<spatial { line[i] += value }
                                        }
                                    }
                                } else {
                                    MatrixProduct.gemm(pw.baseAddress!, transposeA: false, pc.baseAddress!, transposeB: false,
                                                       pp.baseAddress!, m: o, n: width, k: k)
                                    scatterChunk(UnsafePointer(pp.baseAddress!), first: first, count: count, channels: o,
                                                 spatial: spatial, bias: biasBase, into: po.baseAddress!)
                                }
                                first += count
                            }
                        }
                    }
                }
                }
            }
        }
        return Tensor(shape: [n, o, g.outputHeight, g.outputWidth], scalars: out)
    }

    /// The C shape of a convolution with geometry `g` on `channels` input channels.
    static func uniformShape(_ g: WindowGeometry, channels: Int) -> UniformConvShape {
        UniformConvShape(channels: channels, height: g.inputHeight, width: g.inputWidth, kernel_h: g.kernelHeight,
                         kernel_w: g.kernelWidth, stride_h: g.strideHeight, stride_w: g.strideWidth, pad_top: g.padTop,
                         pad_left: g.padLeft, out_h: g.outputHeight, out_w: g.outputWidth)
    }

    /// y = conv(x, weight) + bias without an im2col matrix (`uniform_conv`): each output is the
    /// same fused multiply-add chain as the im2col product's, so the two paths agree bit for bit.
    /// Images are split over the cores.
    static func direct(input x: Tensor, weight: Tensor, bias: Tensor?, geometry g: WindowGeometry) -> Tensor {
        let (n, c, o) = (x.shape[0], x.shape[1], weight.shape[0])
        let spatial = g.outputHeight * g.outputWidth
        var out = [Float](scratch: n * o * spatial)
        if out.isEmpty { return Tensor(shape: [n, o, g.outputHeight, g.outputWidth], scalars: out) }
        var shape = uniformShape(g, channels: c)
        let kernel = UniformProduct.kernel.c
        let work = o * spatial * c * g.kernelHeight * g.kernelWidth
        x.scalars.withUnsafeBufferPointer { px in
            weight.scalars.withUnsafeBufferPointer { pw in
                out.withUnsafeMutableBufferPointer { po in
                    withUnsafePointer(to: &shape) { pshape in
                        nonisolated(unsafe) let (px, pw, po, pshape) = (px.baseAddress!, pw.baseAddress!, po.baseAddress!, pshape)
                        ParallelLoop.forEachBlock(n, workPerIteration: work) { images in
                            uniform_conv(kernel, pw, o, pshape, px + images.lowerBound * c * g.inputHeight * g.inputWidth,
                                         images.count, po + images.lowerBound * o * spatial)
                        }
                    }
                    if let bias {
                        bias.scalars.withUnsafeBufferPointer { pb in
                            for image in 0..<n {
                                for ch in 0..<o {
                                    let line = po.baseAddress! + (image * o + ch) * spatial, value = pb[ch]
                                    for i in 0..<spatial { line[i] += value }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, o, g.outputHeight, g.outputWidth], scalars: out)
    }

    /// The input gradient of a stride-1 convolution as a correlation of the output gradient with the
    /// flipped, transposed weights (`uniform_conv_input_gradient`), split over the cores by image.
    static func directInputGradient(outputGradient gy: Tensor, weight: Tensor, inputShape: [Int], geometry g: WindowGeometry) -> Tensor {
        let (n, c, o) = (inputShape[0], inputShape[1], weight.shape[0])
        let planeSize = c * g.inputHeight * g.inputWidth
        let spatial = g.outputHeight * g.outputWidth
        var dx = [Float](scratch: n * planeSize)
        if dx.isEmpty { return Tensor(shape: inputShape, scalars: dx) }
        var shape = uniformShape(g, channels: c)
        let kernel = UniformProduct.kernel.c
        let work = c * g.inputHeight * g.inputWidth * o * g.kernelHeight * g.kernelWidth
        gy.scalars.withUnsafeBufferPointer { pg in
            weight.scalars.withUnsafeBufferPointer { pw in
                dx.withUnsafeMutableBufferPointer { pd in
                    withUnsafePointer(to: &shape) { pshape in
                        nonisolated(unsafe) let (pg, pw, pd, pshape) = (pg.baseAddress!, pw.baseAddress!, pd.baseAddress!, pshape)
                        ParallelLoop.forEachBlock(n, workPerIteration: work) { images in
                            uniform_conv_input_gradient(kernel, pw, o, pshape, pg + images.lowerBound * o * spatial, images.count,
                                                        pd + images.lowerBound * planeSize)
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: dx)
    }

    /// Whether the forward pass runs without an im2col matrix. The direct path writes positions ×
    /// channels and transposes them into NCHW at the end, which costs as much as the output; the
    /// im2col path writes a C·kh·kw × positions matrix first. So the direct path is taken when the
    /// window holds at least as many values as there are output channels (conv2 and conv3 of the
    /// MNIST models: 288 and 576 against 64 and 128), im2col otherwise (a first layer: 9 against 32).
    /// Both compute the same chains: the results are the same bits.
    /// Its scratch holds one image's positions × channels (and padded input) at least, so very large
    /// images (beyond `directScratchLimit` floats) take the im2col path, which splits its columns.
    static func usesDirectForward(_ g: WindowGeometry, channels: Int, outputChannels: Int) -> Bool {
        channels * g.kernelHeight * g.kernelWidth >= outputChannels
            && WorkingMemory.directScratch(g, channels: channels, outputChannels: outputChannels) <= directScratchLimit
    }

    /// The most floats of scratch the direct paths may need for one image (16 MB).
    static let directScratchLimit = 4 << 20

    /// Whether the input gradient runs as a direct correlation: stride 1 (the transposed
    /// convolution is then a convolution) and enough input channels to fill a tile's columns.
    static func usesDirectInputGradient(_ g: WindowGeometry, channels: Int, outputChannels: Int) -> Bool {
        g.strideHeight == 1 && g.strideWidth == 1 && channels >= 8
            && WorkingMemory.transposedDirectScratch(g, channels: channels, outputChannels: outputChannels) <= directScratchLimit
    }

    /// Copies a chunk's product [O, count·S] into NCHW images first..<first+count of `out`, adding
    /// `bias[ch]` on the way when given (one pass instead of a copy and a bias pass).
    @inline(__always)
    static func scatterChunk(_ product: UnsafePointer<Float>, first: Int, count: Int, channels o: Int, spatial: Int,
                             bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
        let width = count * spatial
        ParallelLoop.forEachBlock(count, workPerIteration: o * spatial) { images in
            for b in images {
                for ch in 0..<o {
                    let dst = out + ((first + b) * o + ch) * spatial
                    let src = product + ch * width + b * spatial
                    if let bias {
                        let value = bias[ch]
                        for i in 0..<spatial { dst[i] = src[i] + value }
                    } else {
                        dst.update(from: src, count: spatial)
                    }
                }
            }
        }
    }

    private static func checkGradient(_ gradient: Tensor, _ g: WindowGeometry, n: Int, o: Int, operation: String) throws {
        let expected = [n, o, g.outputHeight, g.outputWidth]
        guard gradient.shape == expected else {
            throw EngineError.shapeMismatch(operation: operation, expected: "\(expected)", got: gradient.shape)
        }
    }

    /// Copies the output gradient of images first..<first+count from NCHW into [O, count·S].
    @inline(__always)
    static func gatherChunk(_ gy: UnsafePointer<Float>, first: Int, count: Int, channels o: Int, spatial: Int,
                            into dst: UnsafeMutablePointer<Float>) {
        let width = count * spatial
        ParallelLoop.forEachBlock(count, workPerIteration: o * spatial) { images in
            for b in images {
                for ch in 0..<o {
                    (dst + ch * width + b * spatial).update(from: gy + ((first + b) * o + ch) * spatial, count: spatial)
                }
            }
        }
    }

    /// The gradient with respect to the input: the transposed convolution of `gradient` with `weight`
    /// (col2im of weightᵀ · gradient), shaped like the input `inputShape`.
    public static func inputGradient(outputGradient gy: Tensor, weight: Tensor, inputShape: [Int],
                                     stride: (Int, Int), padding: Padding) throws -> Tensor {
        try inputGradient(outputGradient: gy, weight: weight, inputShape: inputShape, stride: stride, padding: padding,
                          budget: nil)
    }

    static func inputGradient(outputGradient gy: Tensor, weight: Tensor, inputShape: [Int],
                              stride: (Int, Int), padding: Padding, budget: Int?) throws -> Tensor {
        let g = try geometry(input: inputShape, weight: weight.shape, stride: stride, padding: padding)
        let (n, c, o) = (inputShape[0], inputShape[1], weight.shape[0])
        try checkGradient(gy, g, n: n, o: o, operation: "conv2d input gradient")
        if budget == nil, usesDirectInputGradient(g, channels: c, outputChannels: o) {
            return directInputGradient(outputGradient: gy, weight: weight, inputShape: inputShape, geometry: g)
        }
        let k = c * g.kernelHeight * g.kernelWidth
        let spatial = g.outputHeight * g.outputWidth
        let planeSize = c * g.inputHeight * g.inputWidth
        var dx = [Float](repeating: 0, count: n * planeSize)
        if dx.isEmpty || gy.count == 0 { return Tensor(shape: inputShape, scalars: dx) }
        let chunk = chunkSize(images: n, spatial: spatial, budget: budget, rows: k)
        var cols = [Float](scratch: k * chunk * spatial)
        var gathered = [Float](scratch: chunk > 1 ? o * chunk * spatial : 0)
        gy.scalars.withUnsafeBufferPointer { pg in
            weight.scalars.withUnsafeBufferPointer { pw in
                cols.withUnsafeMutableBufferPointer { pc in
                    gathered.withUnsafeMutableBufferPointer { pgath in
                        dx.withUnsafeMutableBufferPointer { pd in
                            var first = 0
                            while first < n {
                                let count = Swift.min(chunk, n - first)
                                let width = count * spatial
                                let source: UnsafePointer<Float>
                                if chunk == 1 {
                                    source = pg.baseAddress! + first * o * spatial
                                } else {
                                    gatherChunk(pg.baseAddress!, first: first, count: count, channels: o, spatial: spatial,
                                                into: pgath.baseAddress!)
                                    source = UnsafePointer(pgath.baseAddress!)
                                }
                                MatrixProduct.gemm(pw.baseAddress!, transposeA: true, source, transposeB: false,
                                                   pc.baseAddress!, m: k, n: width, k: o)
                                ParallelLoop.forEachBlock(count, workPerIteration: k * spatial) { images in
                                    for b in images {
                                        col2im(pc.baseAddress! + b * spatial, channels: c, g,
                                               pd.baseAddress! + (first + b) * planeSize, rowStride: width)
                                    }
                                }
                                first += count
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: dx)
    }

    /// The gradient with respect to the weight, Σ over the batch of gradient · im2col(x)ᵀ, shaped
    /// like `weightShape` ([O, C, kh, kw]).
    ///
    /// Training's weight gradients run OpenBLAS (`parameterGemm`), whose sums depend on the thread
    /// split and the kernel family. With `uniform`, the sums run the uniform kernels over a fixed
    /// chunking of the batch instead, so the result is the same bits on any number of cores and any
    /// machine: for statistics that explanations are computed from (PatternNet's signal patterns).
    public static func weightGradient(outputGradient gy: Tensor, input x: Tensor, weightShape: [Int],
                                      stride: (Int, Int), padding: Padding, uniform: Bool = false) throws -> Tensor {
        try weightGradient(outputGradient: gy, input: x, weightShape: weightShape, stride: stride, padding: padding,
                           budget: uniform ? columnBudget : nil, uniform: uniform)
    }

    static func weightGradient(outputGradient gy: Tensor, input x: Tensor, weightShape: [Int],
                               stride: (Int, Int), padding: Padding, budget: Int?, uniform: Bool = false) throws -> Tensor {
        let g = try geometry(input: x.shape, weight: weightShape, stride: stride, padding: padding)
        let (n, c, o) = (x.shape[0], x.shape[1], weightShape[0])
        try checkGradient(gy, g, n: n, o: o, operation: "conv2d weight gradient")
        let k = c * g.kernelHeight * g.kernelWidth
        let spatial = g.outputHeight * g.outputWidth
        let imageSize = c * g.inputHeight * g.inputWidth
        var dw = [Float](repeating: 0, count: o * k)
        if dw.isEmpty || gy.count == 0 { return Tensor(shape: weightShape, scalars: dw) }
        let chunk = chunkSize(images: n, spatial: spatial, budget: budget, rows: k)
        var cols = [Float](scratch: k * chunk * spatial)
        var gathered = [Float](scratch: chunk > 1 ? o * chunk * spatial : 0)
        x.scalars.withUnsafeBufferPointer { px in
            gy.scalars.withUnsafeBufferPointer { pg in
                cols.withUnsafeMutableBufferPointer { pc in
                    gathered.withUnsafeMutableBufferPointer { pgath in
                        dw.withUnsafeMutableBufferPointer { pd in
                            var first = 0
                            while first < n {
                                let count = Swift.min(chunk, n - first)
                                let width = count * spatial
                                ParallelLoop.forEachBlock(count, workPerIteration: k * spatial) { images in
                                    for b in images {
                                        im2col(px.baseAddress! + (first + b) * imageSize, channels: c, g,
                                               pc.baseAddress! + b * spatial, rowStride: width)
                                    }
                                }
                                let source: UnsafePointer<Float>
                                if chunk == 1 {
                                    source = pg.baseAddress! + first * o * spatial
                                } else {
                                    gatherChunk(pg.baseAddress!, first: first, count: count, channels: o, spatial: spatial,
                                                into: pgath.baseAddress!)
                                    source = UnsafePointer(pgath.baseAddress!)
                                }
                                if uniform {
                                    MatrixProduct.gemm(source, transposeA: false, pc.baseAddress!, transposeB: true,
                                                       pd.baseAddress!, m: o, n: k, k: width, beta: 1)
                                } else {
                                    MatrixProduct.parameterGemm(source, transposeA: false, pc.baseAddress!, transposeB: true,
                                                                pd.baseAddress!, m: o, n: k, k: width, beta: 1)
                                }
                                first += count
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: weightShape, scalars: dw)
    }

    /// The gradient with respect to the bias: the output gradient summed over batch and space.
    public static func biasGradient(outputGradient gy: Tensor) throws -> Tensor {
        guard gy.rank == 4 else {
            throw EngineError.shapeMismatch(operation: "conv2d bias gradient", expected: "[N, O, oh, ow]", got: gy.shape)
        }
        let (n, o, spatial) = (gy.shape[0], gy.shape[1], gy.shape[2] * gy.shape[3])
        var db = [Double](repeating: 0, count: o)
        if gy.count == 0 { return Tensor(zeros: [o]) }
        gy.scalars.withUnsafeBufferPointer { p in
            for image in 0..<n {
                for ch in 0..<o {
                    db[ch] += Double(sum(p.baseAddress! + (image * o + ch) * spatial, count: spatial))
                }
            }
        }
        return Tensor(shape: [o], scalars: db.map { Float($0) })
    }
}

extension Convolution2D {
    /// The three gradients of a convolution in one pass over the batch, as training needs them:
    /// ∂L/∂input (as `inputGradient`), ∂L/∂weight (as `weightGradient`) and, when `withBias`,
    /// ∂L/∂bias (as `biasGradient`). Each chunk of images is im2col'd and its output gradient
    /// gathered once for both products, and the column buffer is reused for the input gradient.
    public static func gradients(outputGradient gy: Tensor, input x: Tensor, weight: Tensor, stride: (Int, Int),
                                 padding: Padding, withBias: Bool) throws -> (input: Tensor, weight: Tensor, bias: Tensor?) {
        try gradients(outputGradient: gy, input: x, weight: weight, stride: stride, padding: padding, withBias: withBias,
                      budget: nil)
    }

    static func gradients(outputGradient gy: Tensor, input x: Tensor, weight: Tensor, stride: (Int, Int),
                          padding: Padding, withBias: Bool, budget: Int?) throws -> (input: Tensor, weight: Tensor, bias: Tensor?) {
        let g = try geometry(input: x.shape, weight: weight.shape, stride: stride, padding: padding)
        let (n, c, o) = (x.shape[0], x.shape[1], weight.shape[0])
        let expected = [n, o, g.outputHeight, g.outputWidth]
        guard gy.shape == expected else {
            throw EngineError.shapeMismatch(operation: "conv2d backward", expected: "\(expected)", got: gy.shape)
        }
        let k = c * g.kernelHeight * g.kernelWidth
        let spatial = g.outputHeight * g.outputWidth
        let imageSize = c * g.inputHeight * g.inputWidth
        var dx = [Float](repeating: 0, count: n * imageSize)
        var dw = [Float](repeating: 0, count: o * k)
        var db = [Double](repeating: 0, count: o)
        func result() -> (input: Tensor, weight: Tensor, bias: Tensor?) {
            (Tensor(shape: x.shape, scalars: dx), Tensor(shape: weight.shape, scalars: dw),
             withBias ? Tensor(shape: [o], scalars: db.map { Float($0) }) : nil)
        }
        if gy.count == 0 || dx.isEmpty || dw.isEmpty { return result() }
        let chunk = chunkSize(images: n, spatial: spatial, budget: budget, rows: k)
        var cols = [Float](scratch: k * chunk * spatial)
        var gathered = [Float](scratch: chunk > 1 ? o * chunk * spatial : 0)
        x.scalars.withUnsafeBufferPointer { px in
            gy.scalars.withUnsafeBufferPointer { pg in
                weight.scalars.withUnsafeBufferPointer { pw in
                    cols.withUnsafeMutableBufferPointer { pc in
                        gathered.withUnsafeMutableBufferPointer { pgath in
                            dx.withUnsafeMutableBufferPointer { pdx in
                                dw.withUnsafeMutableBufferPointer { pdw in
                                    var first = 0
                                    while first < n {
                                        let count = Swift.min(chunk, n - first)
                                        let width = count * spatial
                                        ParallelLoop.forEachBlock(count, workPerIteration: k * spatial) { images in
                                            for b in images {
                                                im2col(px.baseAddress! + (first + b) * imageSize, channels: c, g,
                                                       pc.baseAddress! + b * spatial, rowStride: width)
                                            }
                                        }
                                        let source: UnsafePointer<Float>
                                        if chunk == 1 {
                                            source = pg.baseAddress! + first * o * spatial
                                        } else {
                                            gatherChunk(pg.baseAddress!, first: first, count: count, channels: o,
                                                        spatial: spatial, into: pgath.baseAddress!)
                                            source = UnsafePointer(pgath.baseAddress!)
                                        }
                                        if withBias {
                                            for ch in 0..<o {
                                                for b in 0..<count {
                                                    db[ch] += Double(sum(source + ch * width + b * spatial, count: spatial))
                                                }
                                            }
                                        }
                                        MatrixProduct.parameterGemm(source, transposeA: false, pc.baseAddress!, transposeB: true,
                                                           pdw.baseAddress!, m: o, n: k, k: width, beta: 1)
                                        // The columns are consumed: reuse the buffer for weightᵀ · gradient.
                                        MatrixProduct.gemm(pw.baseAddress!, transposeA: true, source, transposeB: false,
                                                           pc.baseAddress!, m: k, n: width, k: o)
                                        ParallelLoop.forEachBlock(count, workPerIteration: k * spatial) { images in
                                            for b in images {
                                                col2im(pc.baseAddress! + b * spatial, channels: c, g,
                                                       pdx.baseAddress! + (first + b) * imageSize, rowStride: width)
                                            }
                                        }
                                        first += count
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result()
    }

    /// Σ values[0..<count] in float, eight lanes at a time.
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>.zero
        var i = 0
        let raw = UnsafeRawPointer(values)
        while i + 8 <= count {
            lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            total += values[i]
            i += 1
        }
        return total
    }
}

extension Array where Element == Float {
    /// Storage for `scratch` floats that the caller overwrites entirely before reading any of
    /// them (an im2col block, a product, the output of a convolution): no zero-fill pass.
    init(scratch count: Int) {
        self.init(unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
