import CCairo
import Foundation

/// Horizontal text anchoring.
public enum TextAlignment: Sendable { case left, center, right }
/// Vertical text anchoring: the baseline, the middle of capital letters, the top of capitals or the
/// bottom of descenders.
public enum TextBaseline: Sendable { case baseline, middle, top, bottom }

/// A drawing surface in CSS pixels (the device scale is applied underneath), wrapping a Cairo context.
///
/// Figures draw through this type only, so that Cairo stays an implementation detail.
public final class DrawingContext {
    let cr: OpaquePointer
    /// The device pixels per CSS pixel.
    public let scale: Double
    /// The family used for text (DejaVu Sans, matplotlib's default).
    public static let fontFamily = "DejaVu Sans"

    init(cr: OpaquePointer, scale: Double) {
        self.cr = cr
        self.scale = scale
        cairo_select_font_face(cr, DrawingContext.fontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        let options = cairo_font_options_create()
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_set_font_options(cr, options)
        cairo_font_options_destroy(options)
    }

    /// Saves the graphics state, runs `body`, restores.
    public func withSavedState<T>(_ body: () throws -> T) rethrows -> T {
        cairo_save(cr)
        defer { cairo_restore(cr) }
        return try body()
    }

    /// Fills a rectangle.
    public func fillRect(x: Double, y: Double, width: Double, height: Double, color: RGB, alpha: Double = 1) {
        setColor(color, alpha: alpha)
        cairo_rectangle(cr, x, y, width, height)
        cairo_fill(cr)
    }

    /// Strokes a rectangle's outline, aligned to device pixels so thin lines stay crisp.
    public func strokeRect(x: Double, y: Double, width: Double, height: Double, color: RGB, lineWidth: Double = 0.8) {
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        let (x0, y0) = snap(x, y, lineWidth)
        let (x1, y1) = snap(x + width, y + height, lineWidth)
        cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0)
        cairo_stroke(cr)
    }

    /// Strokes a straight line.
    public func line(from a: (Double, Double), to b: (Double, Double), color: RGB, lineWidth: Double = 0.8,
                     dash: [Double] = []) {
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        setDash(dash)
        let p = snap(a.0, a.1, lineWidth), q = snap(b.0, b.1, lineWidth)
        cairo_move_to(cr, p.0, p.1)
        cairo_line_to(cr, q.0, q.1)
        cairo_stroke(cr)
        setDash([])
    }

    /// Strokes a polyline through `points`, breaking it at non-finite points.
    public func polyline(_ points: [(Double, Double)], color: RGB, lineWidth: Double = 1.5, dash: [Double] = []) {
        setColor(color)
        cairo_set_line_width(cr, lineWidth)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        setDash(dash)
        var penDown = false
        for (x, y) in points {
            guard x.isFinite, y.isFinite else { penDown = false; continue }
            if penDown { cairo_line_to(cr, x, y) } else { cairo_move_to(cr, x, y); penDown = true }
        }
        cairo_stroke(cr)
        setDash([])
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
    }

    /// Fills the polygon through `points` (non-finite points are skipped) at `alpha`.
    public func fillPolygon(_ points: [(Double, Double)], color: RGB, alpha: Double = 1) {
        let finite = points.filter { $0.0.isFinite && $0.1.isFinite }
        guard finite.count >= 3 else { return }
        setColor(color, alpha: alpha)
        cairo_move_to(cr, finite[0].0, finite[0].1)
        for (x, y) in finite.dropFirst() { cairo_line_to(cr, x, y) }
        cairo_close_path(cr)
        cairo_fill(cr)
    }

    /// Fills a circle.
    public func fillCircle(center: (Double, Double), radius: Double, color: RGB) {
        setColor(color)
        cairo_new_sub_path(cr)
        cairo_arc(cr, center.0, center.1, radius, 0, 2 * Double.pi)
        cairo_fill(cr)
    }

    /// Restricts drawing to a rectangle until the saved state is restored.
    public func clip(x: Double, y: Double, width: Double, height: Double) {
        cairo_rectangle(cr, x, y, width, height)
        cairo_clip(cr)
    }

    /// The advance width of `text` at `size`.
    public func textWidth(_ text: String, size: Double) -> Double {
        cairo_set_font_size(cr, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    /// Draws `text` anchored at (x, y), optionally rotated by `angle` radians about the anchor
    /// (−π/2 for a vertical y-axis label reading upwards).
    public func text(_ text: String, x: Double, y: Double, size: Double, color: RGB = .black,
                     align: TextAlignment = .left, baseline: TextBaseline = .baseline, angle: Double = 0) {
        guard !text.isEmpty else { return }
        cairo_save(cr)
        cairo_set_font_size(cr, size)
        setColor(color)
        cairo_translate(cr, x, y)
        if angle != 0 { cairo_rotate(cr, angle) }
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        let dx: Double
        switch align {
        case .left: dx = 0
        case .center: dx = -extents.x_advance / 2
        case .right: dx = -extents.x_advance
        }
        // Cap height of DejaVu Sans ≈ 0.73 em; descender ≈ 0.24 em.
        let dy: Double
        switch baseline {
        case .baseline: dy = 0
        case .middle: dy = 0.365 * size
        case .top: dy = 0.73 * size
        case .bottom: dy = -0.24 * size
        }
        cairo_move_to(cr, dx, dy)
        cairo_show_text(cr, text)
        cairo_restore(cr)
    }

    /// Draws an image upscaled with nearest-neighbour sampling into the rectangle, at `alpha`.
    public func drawImage(_ image: ColorImage, x: Double, y: Double, width: Double, height: Double, alpha: Double = 1) throws {
        guard image.width > 0, image.height > 0 else { return }
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(image.width), Int32(image.height))
        defer { cairo_surface_destroy(surface) }
        try DrawingContext.check(cairo_surface_status(surface), "image surface")
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else {
            throw FigureError.cairo(operation: "image data", status: "no pixel buffer")
        }
        image.pixels.withUnsafeBufferPointer { src in
            for row in 0..<image.height {
                let line = UnsafeMutableRawPointer(data + row * stride).assumingMemoryBound(to: UInt32.self)
                let base = row * image.width
                for col in 0..<image.width { line[col] = src[base + col] }
            }
        }
        cairo_surface_mark_dirty(surface)
        cairo_save(cr)
        cairo_rectangle(cr, x, y, width, height)
        cairo_clip(cr)
        cairo_translate(cr, x, y)
        cairo_scale(cr, width / Double(image.width), height / Double(image.height))
        cairo_set_source_surface(cr, surface, 0, 0)
        let pattern = cairo_get_source(cr)
        cairo_pattern_set_filter(pattern, CAIRO_FILTER_NEAREST)
        cairo_pattern_set_extend(pattern, CAIRO_EXTEND_PAD)
        if alpha >= 1 { cairo_paint(cr) } else { cairo_paint_with_alpha(cr, max(0, alpha)) }
        cairo_restore(cr)
    }

    func setColor(_ color: RGB, alpha: Double = 1) {
        if alpha >= 1 {
            cairo_set_source_rgb(cr, color.red, color.green, color.blue)
        } else {
            cairo_set_source_rgba(cr, color.red, color.green, color.blue, alpha)
        }
    }

    private func setDash(_ dash: [Double]) {
        if dash.isEmpty { cairo_set_dash(cr, nil, 0, 0) } else { cairo_set_dash(cr, dash, Int32(dash.count), 0) }
    }

    /// Moves a coordinate so a line of `lineWidth` covers whole device pixels where possible.
    private func snap(_ x: Double, _ y: Double, _ lineWidth: Double) -> (Double, Double) {
        let deviceWidth = (lineWidth * scale).rounded()
        let offset = Int(deviceWidth) % 2 == 1 ? 0.5 : 0
        func s(_ v: Double) -> Double { (((v * scale) - offset).rounded() + offset) / scale }
        return (s(x), s(y))
    }

    static func check(_ status: cairo_status_t, _ operation: String) throws {
        guard status == CAIRO_STATUS_SUCCESS else {
            let message = cairo_status_to_string(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
            throw FigureError.cairo(operation: operation, status: message)
        }
    }
}

/// An image of 32-bit pixels (0xAARRGGBB, premultiplied; opaque except for non-finite values), ready for drawing.
public struct ColorImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major pixels, `0xFFRRGGBB`.
    public let pixels: [UInt32]

    /// Colours scalar `values` (row-major, width × height) through `colormap` over `range`.
    /// Non-finite values (NaN, ±∞) are transparent, as matplotlib draws "bad" values, so whatever is
    /// underneath (the white background, or the base image under an overlay) shows through.
    public init(values: [Float], width: Int, height: Int, colormap: Colormap, range: ClosedRange<Double>) throws {
        guard width > 0, height > 0 else {
            throw FigureError.invalidArgument(what: "image", reason: "size \(width)×\(height) must be positive")
        }
        guard values.count == width * height else {
            throw FigureError.imageSizeMismatch(what: "image", width: width, height: height, count: values.count)
        }
        // An odd count puts an entry exactly at t = 0.5 (white for bwr/seismic).
        let table = colormap.lookupTable(count: 1025).map { c in
            0xFF00_0000 | UInt32(c.0) << 16 | UInt32(c.1) << 8 | UInt32(c.2)
        }
        let low = range.lowerBound, span = range.upperBound - range.lowerBound
        let top = Double(table.count - 1)
        var out = [UInt32](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { lut in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<src.count {
                        let v = Double(src[i])
                        guard v.isFinite else { dst[i] = 0; continue }
                        var t = span > 0 ? (v - low) / span : 0.5
                        if !t.isFinite { t = 0 }
                        let index = Int((min(1, max(0, t)) * top).rounded())
                        dst[i] = lut[index]
                    }
                }
            }
        }
        self.width = width
        self.height = height
        self.pixels = out
    }
}
