import CCairo

/// PNG encoding and decoding through Cairo's stream functions.
enum PNGCodec {
    private final class ByteSink {
        var bytes: [UInt8] = []
    }

    private final class ByteSource {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    static func encode(_ surface: OpaquePointer) throws -> [UInt8] {
        let sink = ByteSink()
        let box = Unmanaged.passRetained(sink)
        defer { box.release() }
        let status = cairo_surface_write_to_png_stream(surface, { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }, box.toOpaque())
        try DrawingContext.check(status, "write PNG")
        return sink.bytes
    }

    /// Decodes PNG bytes into a Cairo image surface (caller destroys it).
    static func decode(_ bytes: [UInt8]) throws -> OpaquePointer {
        guard bytes.count >= 8, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 else {
            throw FigureError.invalidPNG(reason: "missing PNG signature (\(bytes.count) bytes)")
        }
        let source = ByteSource(bytes)
        let box = Unmanaged.passRetained(source)
        defer { box.release() }
        guard let surface = cairo_image_surface_create_from_png_stream({ closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_READ_ERROR }
            let source = Unmanaged<ByteSource>.fromOpaque(closure).takeUnretainedValue()
            let n = Int(length)
            guard source.offset + n <= source.bytes.count else { return CAIRO_STATUS_READ_ERROR }
            source.bytes.withUnsafeBufferPointer { buffer in
                data.update(from: buffer.baseAddress! + source.offset, count: n)
            }
            source.offset += n
            return CAIRO_STATUS_SUCCESS
        }, box.toOpaque()) else {
            throw FigureError.invalidPNG(reason: "cairo returned no surface")
        }
        let status = cairo_surface_status(surface)
        if status != CAIRO_STATUS_SUCCESS {
            cairo_surface_destroy(surface)
            let message = cairo_status_to_string(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
            throw FigureError.invalidPNG(reason: message)
        }
        return surface
    }
}

/// A decoded bitmap: 8-bit RGBA pixels (un-premultiplied), row-major, for inspecting rendered figures.
public struct RasterImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// RGBA bytes, 4 per pixel, row-major.
    public let rgba: [UInt8]

    /// Decodes PNG bytes.
    /// - Throws: `FigureError.invalidPNG` when the bytes are not a PNG.
    public init(pngBytes: [UInt8]) throws {
        let surface = try PNGCodec.decode(pngBytes)
        defer { cairo_surface_destroy(surface) }
        try self.init(surface: surface)
    }

    init(surface: OpaquePointer) throws {
        cairo_surface_flush(surface)
        let format = cairo_image_surface_get_format(surface)
        guard format == CAIRO_FORMAT_ARGB32 || format == CAIRO_FORMAT_RGB24 else {
            throw FigureError.invalidPNG(reason: "unsupported pixel format \(format.rawValue)")
        }
        let w = Int(cairo_image_surface_get_width(surface)), h = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else {
            throw FigureError.invalidPNG(reason: "no pixel data")
        }
        var out = [UInt8](repeating: 0, count: w * h * 4)
        let hasAlpha = format == CAIRO_FORMAT_ARGB32
        for y in 0..<h {
            let line = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<w {
                let p = line[x]
                let a = hasAlpha ? UInt32(p >> 24) : 255
                var r = (p >> 16) & 0xFF, g = (p >> 8) & 0xFF, b = p & 0xFF
                if a > 0 && a < 255 {
                    r = min(255, (r * 255 + a / 2) / a); g = min(255, (g * 255 + a / 2) / a); b = min(255, (b * 255 + a / 2) / a)
                }
                let o = (y * w + x) * 4
                out[o] = UInt8(r); out[o + 1] = UInt8(g); out[o + 2] = UInt8(b); out[o + 3] = UInt8(a)
            }
        }
        width = w
        height = h
        rgba = out
    }

    /// The pixel at column `x`, row `y` as (r, g, b, a).
    public func pixel(_ x: Int, _ y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)×\(height)")
        let o = (y * width + x) * 4
        return (rgba[o], rgba[o + 1], rgba[o + 2], rgba[o + 3])
    }
}
