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
                ParallelLoop.forEachBlock(planes, workPerIteration: h * w) { block in
                    for p in block {
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
            }
            initialized = total
        }
        return Tensor(shape: [x.shape[0], x.shape[1], oh, ow], scalars: out)
    }

    static func backward(input x: Tensor, outputGradient gy: Tensor, _ g: WindowGeometry) -> Tensor {
        let planes = x.shape[0] * x.shape[1]
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        let fullRows = h / 2, fullColumns = w / 2
        // Windows do not overlap, so every input cell receives at most one gradient: write, not
        // add. Cells no window covers (VALID on odd sizes) keep the zero they start with.
        var dx = [Float](repeating: 0, count: x.count)
        x.scalars.withUnsafeBufferPointer { px in
            gy.scalars.withUnsafeBufferPointer { pg in
                dx.withUnsafeMutableBufferPointer { pd in
                    ParallelLoop.forEachBlock(planes, workPerIteration: h * w) { block in
                        for p in block {
                            let src = px.baseAddress! + p * h * w
                            let grad = pg.baseAddress! + p * oh * ow
                            let dst = pd.baseAddress! + p * h * w
                            for oy in 0..<oh {
                                let y = 2 * oy
                                let hasBelow = y + 1 < h
                                let r0 = src + y * w, r1 = r0 + w
                                let d0 = dst + y * w, d1 = d0 + w
                                let line = grad + oy * ow
                                var ox = 0
                                if oy < fullRows {
                                    // Four full windows at a time: even/odd lanes of two 8-wide rows.
                                    while ox + 4 <= fullColumns {
                                        let top = UnsafeRawPointer(r0 + 2 * ox).loadUnaligned(as: SIMD8<Float>.self)
                                        let bottom = UnsafeRawPointer(r1 + 2 * ox).loadUnaligned(as: SIMD8<Float>.self)
                                        let value = UnsafeRawPointer(line + ox).loadUnaligned(as: SIMD4<Float>.self)
                                        let (g0, g1, g2, g3) = route(top.evenHalf, top.oddHalf, bottom.evenHalf,
                                                                     bottom.oddHalf, value)
                                        UnsafeMutableRawPointer(d0 + 2 * ox).storeBytes(
                                            of: SIMD8(g0[0], g1[0], g0[1], g1[1], g0[2], g1[2], g0[3], g1[3]),
                                            as: SIMD8<Float>.self)
                                        UnsafeMutableRawPointer(d1 + 2 * ox).storeBytes(
                                            of: SIMD8(g2[0], g3[0], g2[1], g3[1], g2[2], g3[2], g2[3], g3[3]),
                                            as: SIMD8<Float>.self)
                                        ox += 4
                                    }
                                }
                                // The rest of the row (full windows, and windows cut by the bottom or
                                // right padding), four at a time by gathering; a missing cell reads as
                                // −∞, which never beats the real top-left cell under strict >.
                                while ox < ow {
                                    let lanes = Swift.min(4, ow - ox)
                                    var a = SIMD4<Float>(repeating: -.infinity), b = a, c = a, d = a
                                    var value = SIMD4<Float>.zero
                                    for j in 0..<lanes {
                                        let x0 = 2 * (ox + j)
                                        a[j] = r0[x0]
                                        let hasRight = x0 + 1 < w
                                        if hasRight { b[j] = r0[x0 + 1] }
                                        if hasBelow {
                                            c[j] = r1[x0]
                                            if hasRight { d[j] = r1[x0 + 1] }
                                        }
                                        value[j] = line[ox + j]
                                    }
                                    let (g0, g1, g2, g3) = route(a, b, c, d, value)
                                    for j in 0..<lanes {
                                        let x0 = 2 * (ox + j)
                                        let hasRight = x0 + 1 < w
                                        d0[x0] = g0[j]
                                        if hasRight { d0[x0 + 1] = g1[j] }
                                        if hasBelow {
                                            d1[x0] = g2[j]
                                            if hasRight { d1[x0 + 1] = g3[j] }
                                        }
                                    }
                                    ox += lanes
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: x.shape, scalars: dx)
    }

    /// For four windows with cells a (top left), b (top right), c (bottom left), d (bottom right):
    /// the gradient each cell receives — `value` at the first maximal cell in row-major order
    /// (strict >, starting from −∞, so NaN never wins and an all-NaN window routes to a), 0 elsewhere.
    @inline(__always)
    static func route(_ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>, _ d: SIMD4<Float>,
                      _ value: SIMD4<Float>) -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
        let floor = SIMD4<Float>(repeating: -.infinity)
        var best = floor.replacing(with: a, where: a .> floor)
        var which = SIMD4<Float>.zero
        let m1 = b .> best
        best.replace(with: b, where: m1)
        which.replace(with: 1, where: m1)
        let m2 = c .> best
        best.replace(with: c, where: m2)
        which.replace(with: 2, where: m2)
        which.replace(with: 3, where: d .> best)
        let zero = SIMD4<Float>.zero
        return (zero.replacing(with: value, where: which .== 0), zero.replacing(with: value, where: which .== 1),
                zero.replacing(with: value, where: which .== 2), zero.replacing(with: value, where: which .== 3))
    }
}
