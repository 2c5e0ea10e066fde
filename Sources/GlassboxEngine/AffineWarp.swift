import Foundation

/// A 2-D affine map of image coordinates (x to the right, y down, in pixels), for the small random
/// transformations of feature visualisation (translation, rotation, scaling about the centre).
///
/// `sourceX = a·x + b·y + c`, `sourceY = d·x + e·y + f`: it maps an *output* pixel to the point of
/// the input it is read from (the inverse map, as OpenCV's `warpAffine` with `WARP_INVERSE_MAP`).
public struct ImageWarp: Sendable, Equatable {
    public var a: Float, b: Float, c: Float
    public var d: Float, e: Float, f: Float

    public init(a: Float, b: Float, c: Float, d: Float, e: Float, f: Float) {
        self.a = a
        self.b = b
        self.c = c
        self.d = d
        self.e = e
        self.f = f
    }

    /// The identity.
    public static let identity = ImageWarp(a: 1, b: 0, c: 0, d: 0, e: 1, f: 0)

    /// The image scaled by `scale` and rotated by `degrees` (counter-clockwise on screen) about the
    /// centre of an `height`×`width` image, then shifted by (dx, dy) pixels (right, down).
    /// Returned as the inverse map the warp needs.
    public static func about(height: Int, width: Int, degrees: Float, scale: Float, dx: Float, dy: Float) -> ImageWarp {
        let cx = Float(width - 1) / 2, cy = Float(height - 1) / 2
        let angle = degrees * .pi / 180
        // Forward: p' = s·R(θ)(p − c) + c + t, R(θ) = [[cos, sin], [−sin, cos]] (y points down).
        // Inverse: p = R(−θ)(p' − c − t)/s + c.
        let cosA = Foundation.cos(angle) / scale, sinA = Foundation.sin(angle) / scale
        let a = cosA, b = -sinA, d = sinA, e = cosA
        let ox = cx + dx, oy = cy + dy
        return ImageWarp(a: a, b: b, c: cx - a * ox - b * oy, d: d, e: e, f: cy - d * ox - e * oy)
    }

    /// The source point of output pixel (x, y).
    @inline(__always) public func source(x: Float, y: Float) -> (x: Float, y: Float) {
        (a * x + b * y + c, d * x + e * y + f)
    }
}

extension ImageResampling {
    private static func checkWarp(_ x: Tensor, _ transforms: [ImageWarp], _ operation: String) throws -> (Int, Int, Int, Int) {
        guard x.rank == 4 else {
            throw EngineError.shapeMismatch(operation: operation, expected: "[N, C, H, W]", got: x.shape)
        }
        guard transforms.count == x.shape[0] else {
            throw EngineError.invalidArgument(operation: operation, message: "\(transforms.count) transforms for \(x.shape[0]) images")
        }
        for t in transforms where ![t.a, t.b, t.c, t.d, t.e, t.f].allSatisfy(\.isFinite) {
            throw EngineError.invalidArgument(operation: operation, message: "a transform has a non-finite entry: \(t)")
        }
        return (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    }

    /// Calls `body(outputIndex, sourceIndex, weight)` for the (up to four) bilinear taps of every
    /// output pixel of one plane whose source pixel lies inside the image.
    @inline(__always)
    private static func forEachTap(_ t: ImageWarp, height h: Int, width w: Int, _ body: (Int, Int, Float) -> Void) {
        for oy in 0..<h {
            for ox in 0..<w {
                let (sx, sy) = t.source(x: Float(ox), y: Float(oy))
                let x0f = sx.rounded(.down), y0f = sy.rounded(.down)
                let fx = sx - x0f, fy = sy - y0f
                guard x0f > -2, y0f > -2, x0f < Float(w), y0f < Float(h) else { continue }
                let x0 = Int(x0f), y0 = Int(y0f)
                let o = oy * w + ox
                @inline(__always) func tap(_ y: Int, _ x: Int, _ weight: Float) {
                    if weight != 0 && y >= 0 && y < h && x >= 0 && x < w { body(o, y * w + x, weight) }
                }
                tap(y0, x0, (1 - fy) * (1 - fx))
                tap(y0, x0 + 1, (1 - fy) * fx)
                tap(y0 + 1, x0, fy * (1 - fx))
                tap(y0 + 1, x0 + 1, fy * fx)
            }
        }
    }

    /// Each image resampled through its transform (bilinear, zero outside the image): out(p) = in(T(p)).
    public static func affineWarp(_ x: Tensor, transforms: [ImageWarp]) throws -> Tensor {
        let (n, channels, h, w) = try checkWarp(x, transforms, "affineWarp")
        var out = [Float](repeating: 0, count: x.count)
        x.scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    for ch in 0..<channels {
                        let base = (i * channels + ch) * h * w
                        forEachTap(transforms[i], height: h, width: w) { o, s, weight in dst[base + o] += weight * src[base + s] }
                    }
                }
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }

    /// The adjoint of `affineWarp` (its transpose as a linear map): the gradient at the input from the
    /// gradient `gy` at the output. ⟨affineWarp(x), g⟩ = ⟨x, affineWarpAdjoint(g)⟩.
    public static func affineWarpAdjoint(_ gy: Tensor, transforms: [ImageWarp]) throws -> Tensor {
        let (n, channels, h, w) = try checkWarp(gy, transforms, "affineWarpAdjoint")
        var out = [Float](repeating: 0, count: gy.count)
        gy.scalars.withUnsafeBufferPointer { g in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    for ch in 0..<channels {
                        let base = (i * channels + ch) * h * w
                        forEachTap(transforms[i], height: h, width: w) { o, s, weight in dst[base + s] += weight * g[base + o] }
                    }
                }
            }
        }
        return Tensor(shape: gy.shape, scalars: out)
    }
}
