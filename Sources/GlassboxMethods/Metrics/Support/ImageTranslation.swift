import GlassboxEngine

/// Images moved by whole pixels with zero fill (chapter 5.1 slides a digit from −20 to +20
/// pixels): output[y][x] = input[y − dy][x − dx] where that is inside the image, else 0. Positive
/// dx moves right, positive dy down.
public enum ImageTranslation {
    /// `images` ([N, C, H, W]) translated by (dx, dy).
    public static func translated(_ images: Tensor, dx: Int, dy: Int = 0) throws -> Tensor {
        guard images.rank == 4 else {
            throw MethodError.inputShape(method: "translate", expected: "[N, C, H, W] images", got: images.shape)
        }
        let (n, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        var out = [Float](repeating: 0, count: images.count)
        images.scalars.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for plane in 0..<(n * channels) {
                    let base = plane * height * width
                    for y in 0..<height {
                        let sy = y - dy
                        guard sy >= 0, sy < height else { continue }
                        for x in 0..<width {
                            let sx = x - dx
                            guard sx >= 0, sx < width else { continue }
                            target[base + y * width + x] = source[base + sy * width + sx]
                        }
                    }
                }
            }
        }
        return Tensor(shape: images.shape, scalars: out)
    }
}
