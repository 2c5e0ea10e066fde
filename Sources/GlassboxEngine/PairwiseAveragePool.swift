/// Average pooling with 2×2 windows and stride 2 whose padding lies only at the bottom and right
/// (CNN-AVG-NB's pooling). Same results as the general loop of `Pooling2D` — the same additions in
/// the same order, divided by the number of real cells — without per-window bounds arithmetic.
enum PairwiseAveragePool {
    static func forward(_ x: Tensor, _ g: WindowGeometry) -> Tensor {
        let planes = x.shape[0] * x.shape[1]
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        let fullRows = h / 2, fullColumns = w / 2
        var out = [Float](repeating: 0, count: planes * oh * ow)
        x.scalars.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                ParallelLoop.forEachBlock(planes, workPerIteration: h * w) { block in
                    for p in block {
                        let src = px.baseAddress! + p * h * w
                        let dst = po.baseAddress! + p * oh * ow
                        for oy in 0..<oh {
                            var first = 0
                            if oy < fullRows {
                                let r0 = src + 2 * oy * w, r1 = r0 + w
                                for ox in 0..<fullColumns {
                                    let total: Float = 0 + r0[2 * ox] + r0[2 * ox + 1] + r1[2 * ox] + r1[2 * ox + 1]
                                    dst[oy * ow + ox] = total / 4
                                }
                                first = fullColumns
                            }
                            for ox in first..<ow {
                                let (y0, y1, x0, x1) = Pooling2D.window(g, oy, ox)
                                var total: Float = 0
                                for y in y0..<y1 { for xx in x0..<x1 { total += src[y * w + xx] } }
                                dst[oy * ow + ox] = total / Float((y1 - y0) * (x1 - x0))
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [x.shape[0], x.shape[1], oh, ow], scalars: out)
    }

    static func backward(inputShape: [Int], outputGradient gy: Tensor, _ g: WindowGeometry) -> Tensor {
        let planes = inputShape[0] * inputShape[1]
        let (h, w, oh, ow) = (g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth)
        let fullRows = h / 2, fullColumns = w / 2
        var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
        gy.scalars.withUnsafeBufferPointer { pg in
            dx.withUnsafeMutableBufferPointer { pd in
                ParallelLoop.forEachBlock(planes, workPerIteration: h * w) { block in
                    for p in block {
                        let grad = pg.baseAddress! + p * oh * ow
                        let dst = pd.baseAddress! + p * h * w
                        for oy in 0..<oh {
                            var first = 0
                            if oy < fullRows {
                                // Windows do not overlap: each cell receives exactly one share (0 + share).
                                let d0 = dst + 2 * oy * w, d1 = d0 + w
                                for ox in 0..<fullColumns {
                                    let share: Float = 0 + grad[oy * ow + ox] / 4
                                    d0[2 * ox] = share
                                    d0[2 * ox + 1] = share
                                    d1[2 * ox] = share
                                    d1[2 * ox + 1] = share
                                }
                                first = fullColumns
                            }
                            for ox in first..<ow {
                                let (y0, y1, x0, x1) = Pooling2D.window(g, oy, ox)
                                let share = grad[oy * ow + ox] / Float((y1 - y0) * (x1 - x0))
                                for y in y0..<y1 { for xx in x0..<x1 { dst[y * w + xx] += share } }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: dx)
    }
}
