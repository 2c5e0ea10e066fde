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
        // Windows do not overlap, so every input cell receives at most one gradient: write, not add.
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
                                var first = 0
                                if oy < fullRows {
                                    // Full windows, branch-free: pick the first maximal cell of four
                                    // (strict >, as the general loop) and write all four cells.
                                    let r0 = src + 2 * oy * w, r1 = r0 + w
                                    let d0 = dst + 2 * oy * w, d1 = d0 + w
                                    let line = grad + oy * ow
                                    var ox = 0
                                    // Four windows at a time: even/odd lanes of two 8-wide rows.
                                    while ox + 4 <= fullColumns {
                                        let top = UnsafeRawPointer(r0 + 2 * ox).loadUnaligned(as: SIMD8<Float>.self)
                                        let bottom = UnsafeRawPointer(r1 + 2 * ox).loadUnaligned(as: SIMD8<Float>.self)
                                        let (a, b, c, d) = (top.evenHalf, top.oddHalf, bottom.evenHalf, bottom.oddHalf)
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
                                        let value = UnsafeRawPointer(line + ox).loadUnaligned(as: SIMD4<Float>.self)
                                        let zero = SIMD4<Float>.zero
                                        let g0 = zero.replacing(with: value, where: which .== 0)
                                        let g1 = zero.replacing(with: value, where: which .== 1)
                                        let g2 = zero.replacing(with: value, where: which .== 2)
                                        let g3 = zero.replacing(with: value, where: which .== 3)
                                        UnsafeMutableRawPointer(d0 + 2 * ox).storeBytes(
                                            of: SIMD8(g0[0], g1[0], g0[1], g1[1], g0[2], g1[2], g0[3], g1[3]), as: SIMD8<Float>.self)
                                        UnsafeMutableRawPointer(d1 + 2 * ox).storeBytes(
                                            of: SIMD8(g2[0], g3[0], g2[1], g3[1], g2[2], g3[2], g2[3], g3[3]), as: SIMD8<Float>.self)
                                        ox += 4
                                    }
                                    while ox < fullColumns {
                                        let a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1]
                                        var best = a > -Float.infinity ? a : -Float.infinity
                                        var which = 0
                                        if b > best { best = b; which = 1 }
                                        if c > best { best = c; which = 2 }
                                        if d > best { which = 3 }
                                        let value = line[ox]
                                        d0[2 * ox] = which == 0 ? value : 0
                                        d0[2 * ox + 1] = which == 1 ? value : 0
                                        d1[2 * ox] = which == 2 ? value : 0
                                        d1[2 * ox + 1] = which == 3 ? value : 0
                                        ox += 1
                                    }
                                    first = fullColumns
                                }
                                for ox in first..<ow {
                                    let (at, _) = winner(src, h: h, w: w, oy: oy, ox: ox)
                                    dst[at] = grad[oy * ow + ox]
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: x.shape, scalars: dx)
    }
}
