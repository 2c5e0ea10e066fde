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

    /// Fills `cols` ([C·kh·kw, oh·ow], row-major) from one image `x` ([C, H, W]).
    @inline(__always)
    static func im2col(_ x: UnsafePointer<Float>, channels: Int, _ g: WindowGeometry, _ cols: UnsafeMutablePointer<Float>) {
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        var row = 0
        for c in 0..<channels {
            let plane = x + c * h * w
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    let dst = cols + row * oh * ow
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

    /// Adds `cols` ([C·kh·kw, oh·ow]) back into one image gradient `dx` ([C, H, W]); the adjoint of im2col.
    @inline(__always)
    static func col2im(_ cols: UnsafePointer<Float>, channels: Int, _ g: WindowGeometry, _ dx: UnsafeMutablePointer<Float>) {
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        var row = 0
        for c in 0..<channels {
            let plane = dx + c * h * w
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    let src = cols + row * oh * ow
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

    /// y = conv(x, weight) + bias.
    public static func forward(input x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int),
                               padding: Padding) throws -> Tensor {
        let g = try geometry(input: x.shape, weight: weight.shape, stride: stride, padding: padding)
        let (n, c, o) = (x.shape[0], x.shape[1], weight.shape[0])
        if let bias, bias.shape != [o] {
            throw EngineError.shapeMismatch(operation: "conv2d", expected: "[\(o)] bias", got: bias.shape)
        }
        let k = c * g.kernelHeight * g.kernelWidth
        let spatial = g.outputHeight * g.outputWidth
        var out = [Float](repeating: 0, count: n * o * spatial)
        if out.isEmpty { return Tensor(shape: [n, o, g.outputHeight, g.outputWidth], scalars: out) }
        var cols = [Float](repeating: 0, count: k * spatial)
        x.scalars.withUnsafeBufferPointer { px in
            weight.scalars.withUnsafeBufferPointer { pw in
                cols.withUnsafeMutableBufferPointer { pc in
                    out.withUnsafeMutableBufferPointer { po in
                        for image in 0..<n {
                            im2col(px.baseAddress! + image * c * g.inputHeight * g.inputWidth, channels: c, g, pc.baseAddress!)
                            MatrixProduct.gemm(pw.baseAddress!, transposeA: false, pc.baseAddress!, transposeB: false,
                                               po.baseAddress! + image * o * spatial, m: o, n: spatial, k: k)
                        }
                        if let bias {
                            bias.scalars.withUnsafeBufferPointer { pb in
                                for image in 0..<n {
                                    for ch in 0..<o {
                                        let base = po.baseAddress! + (image * o + ch) * spatial
                                        let b = pb[ch]
                                        for i in 0..<spatial { base[i] += b }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, o, g.outputHeight, g.outputWidth], scalars: out)
    }

    private static func checkGradient(_ gradient: Tensor, _ g: WindowGeometry, n: Int, o: Int, operation: String) throws {
        let expected = [n, o, g.outputHeight, g.outputWidth]
        guard gradient.shape == expected else {
            throw EngineError.shapeMismatch(operation: operation, expected: "\(expected)", got: gradient.shape)
        }
    }

    /// The gradient with respect to the input: the transposed convolution of `gradient` with `weight`
    /// (col2im of weightᵀ · gradient), shaped like the input `inputShape`.
    public static func inputGradient(outputGradient gy: Tensor, weight: Tensor, inputShape: [Int],
                                     stride: (Int, Int), padding: Padding) throws -> Tensor {
        let g = try geometry(input: inputShape, weight: weight.shape, stride: stride, padding: padding)
        let (n, c, o) = (inputShape[0], inputShape[1], weight.shape[0])
        try checkGradient(gy, g, n: n, o: o, operation: "conv2d input gradient")
        let k = c * g.kernelHeight * g.kernelWidth
        let spatial = g.outputHeight * g.outputWidth
        let planeSize = c * g.inputHeight * g.inputWidth
        var dx = [Float](repeating: 0, count: n * planeSize)
        if dx.isEmpty || gy.count == 0 { return Tensor(shape: inputShape, scalars: dx) }
        var cols = [Float](repeating: 0, count: k * spatial)
        gy.scalars.withUnsafeBufferPointer { pg in
            weight.scalars.withUnsafeBufferPointer { pw in
                cols.withUnsafeMutableBufferPointer { pc in
                    dx.withUnsafeMutableBufferPointer { pd in
                        for image in 0..<n {
                            MatrixProduct.gemm(pw.baseAddress!, transposeA: true,
                                               pg.baseAddress! + image * o * spatial, transposeB: false,
                                               pc.baseAddress!, m: k, n: spatial, k: o)
                            col2im(pc.baseAddress!, channels: c, g, pd.baseAddress! + image * planeSize)
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: dx)
    }

    /// The gradient with respect to the weight, Σ over the batch of gradient · im2col(x)ᵀ, shaped
    /// like `weightShape` ([O, C, kh, kw]).
    public static func weightGradient(outputGradient gy: Tensor, input x: Tensor, weightShape: [Int],
                                      stride: (Int, Int), padding: Padding) throws -> Tensor {
        let g = try geometry(input: x.shape, weight: weightShape, stride: stride, padding: padding)
        let (n, c, o) = (x.shape[0], x.shape[1], weightShape[0])
        try checkGradient(gy, g, n: n, o: o, operation: "conv2d weight gradient")
        let k = c * g.kernelHeight * g.kernelWidth
        let spatial = g.outputHeight * g.outputWidth
        var dw = [Float](repeating: 0, count: o * k)
        if dw.isEmpty || gy.count == 0 { return Tensor(shape: weightShape, scalars: dw) }
        var cols = [Float](repeating: 0, count: k * spatial)
        x.scalars.withUnsafeBufferPointer { px in
            gy.scalars.withUnsafeBufferPointer { pg in
                cols.withUnsafeMutableBufferPointer { pc in
                    dw.withUnsafeMutableBufferPointer { pd in
                        for image in 0..<n {
                            im2col(px.baseAddress! + image * c * g.inputHeight * g.inputWidth, channels: c, g, pc.baseAddress!)
                            MatrixProduct.gemm(pg.baseAddress! + image * o * spatial, transposeA: false,
                                               pc.baseAddress!, transposeB: true,
                                               pd.baseAddress!, m: o, n: k, k: spatial, beta: 1)
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
        gy.scalars.withUnsafeBufferPointer { p in
            for image in 0..<n {
                for ch in 0..<o {
                    let base = (image * o + ch) * spatial
                    var s: Float = 0
                    for i in 0..<spatial { s += p[base + i] }
                    db[ch] += Double(s)
                }
            }
        }
        return Tensor(shape: [o], scalars: db.map { Float($0) })
    }
}
