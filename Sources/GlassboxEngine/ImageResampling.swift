#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Bilinear resampling of NCHW images: resizing with aligned corners and sub-pixel translation.
public enum ImageResampling {
    /// The source coordinate of output index i under align_corners=true: i·(in − 1)/(out − 1).
    @inline(__always)
    static func alignedSource(_ i: Int, input: Int, output: Int) -> Float {
        output > 1 ? Float(i) * Float(input - 1) / Float(output - 1) : 0
    }

    /// The two neighbours and the weight of the second for a source coordinate within [0, n − 1].
    @inline(__always)
    static func neighbours(_ s: Float, _ n: Int) -> (Int, Int, Float) {
        let lo = Swift.min(Int(s.rounded(.down)), n - 1)
        let hi = Swift.min(lo + 1, n - 1)
        return (lo, hi, s - Float(lo))
    }

    private static func checkImage(_ shape: [Int], _ operation: String) throws {
        guard shape.count == 4, shape[2] > 0, shape[3] > 0 else {
            throw EngineError.shapeMismatch(operation: operation, expected: "[N, C, H>0, W>0]", got: shape)
        }
    }

    /// Bilinear resize with align_corners=true (corner pixels map onto corner pixels; output pixel i
    /// samples input i·(in − 1)/(out − 1)).
    public static func resizeBilinear(_ x: Tensor, height: Int, width: Int) throws -> Tensor {
        try checkImage(x.shape, "bilinear resize")
        guard height > 0, width > 0 else {
            throw EngineError.invalidArgument(operation: "bilinear resize", message: "target size \(height)×\(width) must be positive")
        }
        let (h, w) = (x.shape[2], x.shape[3])
        let planes = x.shape[0] * x.shape[1]
        let rows = (0..<height).map { neighbours(alignedSource($0, input: h, output: height), h) }
        let cols = (0..<width).map { neighbours(alignedSource($0, input: w, output: width), w) }
        var out = [Float](repeating: 0, count: planes * height * width)
        x.scalars.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                for p in 0..<planes {
                    let src = px.baseAddress! + p * h * w
                    let dst = po.baseAddress! + p * height * width
                    for oy in 0..<height {
                        let (y0, y1, fy) = rows[oy]
                        for ox in 0..<width {
                            let (x0, x1, fx) = cols[ox]
                            let top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx
                            let bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx
                            dst[oy * width + ox] = top * (1 - fy) + bottom * fy
                        }
                    }
                }
            }
        }
        return Tensor(shape: [x.shape[0], x.shape[1], height, width], scalars: out)
    }

    /// The adjoint (transpose) of `resizeBilinear`: spreads an output-sized gradient back onto the
    /// input grid of `inputShape` with the same bilinear weights.
    public static func resizeBilinearAdjoint(_ gy: Tensor, inputShape: [Int]) throws -> Tensor {
        try checkImage(inputShape, "bilinear resize adjoint")
        try checkImage(gy.shape, "bilinear resize adjoint")
        guard gy.shape[0] == inputShape[0], gy.shape[1] == inputShape[1] else {
            throw EngineError.shapeMismatch(operation: "bilinear resize adjoint",
                                            expected: "[\(inputShape[0]), \(inputShape[1]), H, W]", got: gy.shape)
        }
        let (h, w, height, width) = (inputShape[2], inputShape[3], gy.shape[2], gy.shape[3])
        let planes = inputShape[0] * inputShape[1]
        let rows = (0..<height).map { neighbours(alignedSource($0, input: h, output: height), h) }
        let cols = (0..<width).map { neighbours(alignedSource($0, input: w, output: width), w) }
        var dx = [Float](repeating: 0, count: inputShape.reduce(1, *))
        gy.scalars.withUnsafeBufferPointer { pg in
            dx.withUnsafeMutableBufferPointer { pd in
                for p in 0..<planes {
                    let grad = pg.baseAddress! + p * height * width
                    let dst = pd.baseAddress! + p * h * w
                    for oy in 0..<height {
                        let (y0, y1, fy) = rows[oy]
                        for ox in 0..<width {
                            let (x0, x1, fx) = cols[ox]
                            let v = grad[oy * width + ox]
                            dst[y0 * w + x0] += v * (1 - fy) * (1 - fx)
                            dst[y0 * w + x1] += v * (1 - fy) * fx
                            dst[y1 * w + x0] += v * fy * (1 - fx)
                            dst[y1 * w + x1] += v * fy * fx
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputShape, scalars: dx)
    }

    /// Shifts images by (dx, dy) pixels — right and down for positive values — with bilinear
    /// interpolation and zero fill, like OpenCV `warpAffine` with the matrix [[1, 0, dx], [0, 1, dy]]
    /// and a constant zero border: out(y, x) = in(y − dy, x − dx), neighbours outside the image
    /// counting as 0. Integer shifts are exact.
    public static func translate(_ x: Tensor, dx: Float, dy: Float) throws -> Tensor {
        try checkImage(x.shape, "translate")
        guard dx.isFinite, dy.isFinite else {
            throw EngineError.invalidArgument(operation: "translate", message: "shift (\(dx), \(dy)) must be finite")
        }
        let (h, w) = (x.shape[2], x.shape[3])
        let planes = x.shape[0] * x.shape[1]
        // Per output column/row: the two source indices (maybe outside) and the second's weight.
        func taps(_ count: Int, _ shift: Float) -> [(Int, Int, Float)] {
            (0..<count).map { i in
                let s = Float(i) - shift
                let lo = s.rounded(.down)
                return (Int(lo), Int(lo) + 1, s - lo)
            }
        }
        let rows = taps(h, dy)
        let cols = taps(w, dx)
        var out = [Float](repeating: 0, count: x.count)
        x.scalars.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                for p in 0..<planes {
                    let src = px.baseAddress! + p * h * w
                    let dst = po.baseAddress! + p * h * w
                    @inline(__always) func at(_ y: Int, _ xx: Int) -> Float {
                        (y >= 0 && y < h && xx >= 0 && xx < w) ? src[y * w + xx] : 0
                    }
                    for oy in 0..<h {
                        let (y0, y1, fy) = rows[oy]
                        for ox in 0..<w {
                            let (x0, x1, fx) = cols[ox]
                            var v: Float = 0
                            if fy < 1 {
                                let top = (fx < 1 ? at(y0, x0) * (1 - fx) : 0) + (fx > 0 ? at(y0, x1) * fx : 0)
                                v += top * (1 - fy)
                            }
                            if fy > 0 {
                                let bottom = (fx < 1 ? at(y1, x0) * (1 - fx) : 0) + (fx > 0 ? at(y1, x1) * fx : 0)
                                v += bottom * fy
                            }
                            dst[oy * w + ox] = v
                        }
                    }
                }
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }
}
