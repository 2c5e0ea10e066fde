/// Max, average and global-average pooling over NCHW batches, with backward passes.
///
/// Padding follows TensorFlow: max pooling ignores padded cells; average pooling divides by the
/// number of real cells in each window.
public enum Pooling2D {
    /// The geometry of pooling an [N, C, H, W] input.
    public static func geometry(input: [Int], window: (Int, Int), stride: (Int, Int), padding: Padding,
                                operation: String) throws -> WindowGeometry {
        guard input.count == 4 else {
            throw EngineError.shapeMismatch(operation: operation, expected: "[N, C, H, W]", got: input)
        }
        return try WindowGeometry(inputHeight: input[2], inputWidth: input[3], kernel: window, stride: stride,
                                  padding: padding, operation: operation)
    }

    /// The real-cell ranges of the window at output (oy, ox): rows y0..<y1, columns x0..<x1.
    @inline(__always)
    static func window(_ g: WindowGeometry, _ oy: Int, _ ox: Int) -> (Int, Int, Int, Int) {
        let top = oy * g.strideHeight - g.padTop
        let left = ox * g.strideWidth - g.padLeft
        return (Swift.max(top, 0), Swift.min(top + g.kernelHeight, g.inputHeight),
                Swift.max(left, 0), Swift.min(left + g.kernelWidth, g.inputWidth))
    }

    /// Whether the 2×2 / stride-2 fast path applies: windows never overlap and padding (if any)
    /// lies only at the bottom and right, so window (oy, ox) starts at row 2·oy, column 2·ox.
    @inline(__always)
    static func isPairwise(_ g: WindowGeometry) -> Bool {
        g.kernelHeight == 2 && g.kernelWidth == 2 && g.strideHeight == 2 && g.strideWidth == 2
            && g.padTop == 0 && g.padLeft == 0
    }

    /// Max pooling; each output is the largest real cell of its window.
    public static func maxForward(_ x: Tensor, window: (Int, Int), stride: (Int, Int), padding: Padding) throws -> Tensor {
        let g = try geometry(input: x.shape, window: window, stride: stride, padding: padding, operation: "max pool")
        if isPairwise(g) { return PairwiseMaxPool.forward(x, g) }
        return maxForwardReference(x, g)
    }

    /// The general max-pooling loop (any window, stride and padding); the fast paths must equal it.
    static func maxForwardReference(_ x: Tensor, _ g: WindowGeometry) -> Tensor {
        let planes = x.shape[0] * x.shape[1]
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        var out = [Float](repeating: 0, count: planes * oh * ow)
        x.scalars.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                for p in 0..<planes {
                    let src = px.baseAddress! + p * h * w
                    let dst = po.baseAddress! + p * oh * ow
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            let (y0, y1, x0, x1) = Pooling2D.window(g, oy, ox)
                            var best = -Float.infinity
                            for y in y0..<y1 { for xx in x0..<x1 where src[y * w + xx] > best { best = src[y * w + xx] } }
                            dst[oy * ow + ox] = best
                        }
                    }
                }
            }
        }
        return Tensor(shape: [x.shape[0], x.shape[1], oh, ow], scalars: out)
    }

    /// Max-pooling backward: each output gradient goes to the first maximal real cell of its window
    /// (the "switch"); overlapping windows accumulate.
    public static func maxBackward(input x: Tensor, outputGradient gy: Tensor, window: (Int, Int), stride: (Int, Int),
                                   padding: Padding) throws -> Tensor {
        let g = try geometry(input: x.shape, window: window, stride: stride, padding: padding, operation: "max pool backward")
        let expected = [x.shape[0], x.shape[1], g.outputHeight, g.outputWidth]
        guard gy.shape == expected else {
            throw EngineError.shapeMismatch(operation: "max pool backward", expected: "\(expected)", got: gy.shape)
        }
        if isPairwise(g) { return PairwiseMaxPool.backward(input: x, outputGradient: gy, g) }
        return maxBackwardReference(input: x, outputGradient: gy, g)
    }

    /// The general max-pooling backward loop; the fast paths must equal it.
    static func maxBackwardReference(input x: Tensor, outputGradient gy: Tensor, _ g: WindowGeometry) -> Tensor {
        let planes = x.shape[0] * x.shape[1]
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        var dx = [Float](repeating: 0, count: x.count)
        x.scalars.withUnsafeBufferPointer { px in
            gy.scalars.withUnsafeBufferPointer { pg in
                dx.withUnsafeMutableBufferPointer { pd in
                    for p in 0..<planes {
                        let src = px.baseAddress! + p * h * w
                        let grad = pg.baseAddress! + p * oh * ow
                        let dst = pd.baseAddress! + p * h * w
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                let (y0, y1, x0, x1) = Pooling2D.window(g, oy, ox)
                                var best = -Float.infinity
                                var at = y0 * w + x0
                                for y in y0..<y1 {
                                    for xx in x0..<x1 where src[y * w + xx] > best {
                                        best = src[y * w + xx]
                                        at = y * w + xx
                                    }
                                }
                                dst[at] += grad[oy * ow + ox]
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: x.shape, scalars: dx)
    }

    /// Average pooling; each output is the mean of the real cells of its window.
    public static func averageForward(_ x: Tensor, window: (Int, Int), stride: (Int, Int), padding: Padding) throws -> Tensor {
        let g = try geometry(input: x.shape, window: window, stride: stride, padding: padding, operation: "average pool")
        if isPairwise(g) { return PairwiseAveragePool.forward(x, g) }
        return averageForwardReference(x, g)
    }

    /// The general average-pooling loop; the fast path must equal it.
    static func averageForwardReference(_ x: Tensor, _ g: WindowGeometry) -> Tensor {
        let planes = x.shape[0] * x.shape[1]
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        var out = [Float](repeating: 0, count: planes * oh * ow)
        x.scalars.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                for p in 0..<planes {
                    let src = px.baseAddress! + p * h * w
                    let dst = po.baseAddress! + p * oh * ow
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            let (y0, y1, x0, x1) = Pooling2D.window(g, oy, ox)
                            var total: Float = 0
                            for y in y0..<y1 { for xx in x0..<x1 { total += src[y * w + xx] } }
                            dst[oy * ow + ox] = total / Float((y1 - y0) * (x1 - x0))
                        }
                    }
                }
            }
        }
        return Tensor(shape: [x.shape[0], x.shape[1], oh, ow], scalars: out)
    }

    /// Average-pooling backward: each output gradient is shared equally among its window's real cells.
    public static func averageBackward(inputShape: [Int], outputGradient gy: Tensor, window: (Int, Int),
                                       stride: (Int, Int), padding: Padding) throws -> Tensor {
        let g = try geometry(input: inputShape, window: window, stride: stride, padding: padding,
                             operation: "average pool backward")
        let expected = [inputShape[0], inputShape[1], g.outputHeight, g.outputWidth]
        guard gy.shape == expected else {
            throw EngineError.shapeMismatch(operation: "average pool backward", expected: "\(expected)", got: gy.shape)
        }
        if isPairwise(g) { return PairwiseAveragePool.backward(inputShape: inputShape, outputGradient: gy, g) }
        return averageBackwardReference(inputShape: inputShape, outputGradient: gy, g)
    }

    /// The general average-pooling backward loop; the fast path must equal it.
    static func averageBackwardReference(inputShape: [Int], outputGradient gy: Tensor, _ g: WindowGeometry) -> Tensor {
        let planes = inputShape[0] * inputShape[1]
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
        gy.scalars.withUnsafeBufferPointer { pg in
            dx.withUnsafeMutableBufferPointer { pd in
                for p in 0..<planes {
                    let grad = pg.baseAddress! + p * oh * ow
                    let dst = pd.baseAddress! + p * h * w
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            let (y0, y1, x0, x1) = Pooling2D.window(g, oy, ox)
                            let share = grad[oy * ow + ox] / Float((y1 - y0) * (x1 - x0))
                            for y in y0..<y1 { for xx in x0..<x1 { dst[y * w + xx] += share } }
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: dx)
    }

    /// Global average pooling: [N, C, H, W] → [N, C], the mean of each plane.
    public static func globalAverageForward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.shape[2] * x.shape[3] > 0 else {
            throw EngineError.shapeMismatch(operation: "global average pool", expected: "[N, C, H>0, W>0]", got: x.shape)
        }
        let planes = x.shape[0] * x.shape[1]
        let size = x.shape[2] * x.shape[3]
        var out = [Float](repeating: 0, count: planes)
        x.scalars.withUnsafeBufferPointer { px in
            for p in 0..<planes {
                var total: Float = 0
                for i in 0..<size { total += px[p * size + i] }
                out[p] = total / Float(size)
            }
        }
        return Tensor(shape: [x.shape[0], x.shape[1]], scalars: out)
    }

    /// Global-average-pooling backward: each plane cell receives gradient / (H·W).
    public static func globalAverageBackward(inputShape: [Int], outputGradient gy: Tensor) throws -> Tensor {
        guard inputShape.count == 4, gy.shape == [inputShape[0], inputShape[1]] else {
            throw EngineError.shapeMismatch(
                operation: "global average pool backward",
                expected: inputShape.count == 4 ? "[\(inputShape[0]), \(inputShape[1])]" : "[N, C] for an [N, C, H, W] input",
                got: gy.shape)
        }
        let size = inputShape[2] * inputShape[3]
        var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
        dx.withUnsafeMutableBufferPointer { pd in
            for p in 0..<gy.count {
                let share = gy.scalars[p] / Float(size)
                for i in 0..<size { pd[p * size + i] = share }
            }
        }
        return Tensor(shape: inputShape, scalars: dx)
    }
}
