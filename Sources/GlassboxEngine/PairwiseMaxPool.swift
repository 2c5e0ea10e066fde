/// Max pooling with 2×2 windows and stride 2 whose padding (TF SAME on odd sizes) lies only at the
/// bottom and right: the pooling of every CNN in the zoo. Same results as the general loop of
/// `Pooling2D` — ties go to the first maximal cell in row-major order, padding never wins — without
/// its per-window bounds arithmetic.
enum PairwiseMaxPool {
    /// The offset (within the plane) of the first maximal real cell of window (oy, ox), and its value.
    @inline(__always)
    static func winner(_ src: UnsafePointer<Float>, h: Int, w: Int, oy: Int, ox: Int) -> (Int, Float) {
        let y = 2 * oy, x = 2 * ox
        var at = y * w + x
        var best = src[at] > -Float.infinity ? src[at] : -Float.infinity
        let hasRight = x + 1 < w, hasBelow = y + 1 < h
        if hasRight, src[at + 1] > best { best = src[at + 1]; at += 1 }
        if hasBelow {
            let below = (y + 1) * w + x
            if src[below] > best { best = src[below]; at = below }
            if hasRight, src[below + 1] > best { best = src[below + 1]; at = below + 1 }
        }
        return (at, best)
    }

    static func forward(_ x: Tensor, _ g: WindowGeometry) -> Tensor {
        let planes = x.shape[0] * x.shape[1]
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        let total = planes * oh * ow
        let fullRows = h / 2, fullColumns = w / 2
        let out = [Float](unsafeUninitializedCapacity: total) { po, initialized in
            x.scalars.withUnsafeBufferPointer { px in
                for p in 0..<planes {
                    let src = px.baseAddress! + p * h * w
                    let dst = po.baseAddress! + p * oh * ow
                    for oy in 0..<oh {
                        let line = dst + oy * ow
                        if oy < fullRows {
                            let r0 = src + 2 * oy * w, r1 = r0 + w
                            for ox in 0..<fullColumns {
                                // Same comparison order as the general loop, so NaN never wins.
                                var best = -Float.infinity
                                if r0[2 * ox] > best { best = r0[2 * ox] }
                                if r0[2 * ox + 1] > best { best = r0[2 * ox + 1] }
                                if r1[2 * ox] > best { best = r1[2 * ox] }
                                if r1[2 * ox + 1] > best { best = r1[2 * ox + 1] }
                                line[ox] = best
                            }
                            for ox in fullColumns..<ow { line[ox] = winner(src, h: h, w: w, oy: oy, ox: ox).1 }
                        } else {
                            for ox in 0..<ow { line[ox] = winner(src, h: h, w: w, oy: oy, ox: ox).1 }
                        }
                    }
                }
            }
            initialized = total
        }
        return Tensor(shape: [x.shape[0], x.shape[1], oh, ow], scalars: out)
    }

    static func backward(input x: Tensor, outputGradient gy: Tensor, _ g: WindowGeometry) -> Tensor {
        let planes = x.shape[0] * x.shape[1]
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        // Windows do not overlap, so every input cell receives at most one gradient: write, not add.
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
                                let (at, _) = winner(src, h: h, w: w, oy: oy, ox: ox)
                                dst[at] = grad[oy * ow + ox]
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: x.shape, scalars: dx)
    }
}
