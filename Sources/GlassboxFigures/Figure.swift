import CCairo

/// Something drawable at a logical size in CSS pixels, rendered to PNG for a notebook.
///
/// A frontend shows the PNG at `width × height` CSS pixels (the `{"width": w, "height": h}` image
/// metadata), while the bitmap holds `scale` times as many pixels so it stays sharp on dense screens.
public protocol Figure: Sendable {
    /// Logical width in CSS pixels.
    var width: Double { get }
    /// Logical height in CSS pixels.
    var height: Double { get }
    /// Draws the figure; coordinates are CSS pixels, origin top left.
    func draw(into context: DrawingContext) throws
}

extension Figure {
    /// The PNG bytes of the figure at `scale` device pixels per CSS pixel, on a white background.
    /// - Throws: `FigureError` if the size is invalid, drawing fails or Cairo reports an error.
    public func renderPNG(scale: Double = 2) throws -> [UInt8] {
        let surface = try renderSurface(scale: scale)
        defer { cairo_surface_destroy(surface) }
        return try PNGCodec.encode(surface)
    }

    /// The metadata a Jupyter frontend needs to show the PNG at its logical size.
    public var pngMetadata: [String: Int] {
        ["width": Int(width.rounded()), "height": Int(height.rounded())]
    }

    /// The figure rasterised to pixels (for inspection and tests).
    public func renderImage(scale: Double = 2) throws -> RasterImage {
        let surface = try renderSurface(scale: scale)
        defer { cairo_surface_destroy(surface) }
        return try RasterImage(surface: surface)
    }

    func renderSurface(scale: Double) throws -> OpaquePointer {
        guard scale.isFinite, scale > 0, scale <= 16 else {
            throw FigureError.invalidArgument(what: "scale", reason: "\(scale) must be in (0, 16]")
        }
        guard width.isFinite, height.isFinite, width >= 1, height >= 1, width * height * scale * scale <= 64_000_000 else {
            throw FigureError.invalidArgument(what: "figure size", reason: "\(width)×\(height) CSS px at scale \(scale) is empty or too large")
        }
        let pixelWidth = Int32((width * scale).rounded(.up)), pixelHeight = Int32((height * scale).rounded(.up))
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pixelWidth, pixelHeight) else {
            throw FigureError.cairo(operation: "create surface", status: "null surface")
        }
        do {
            try DrawingContext.check(cairo_surface_status(surface), "create surface")
            guard let cr = cairo_create(surface) else {
                throw FigureError.cairo(operation: "create context", status: "null context")
            }
            defer { cairo_destroy(cr) }
            try DrawingContext.check(cairo_status(cr), "create context")
            cairo_scale(cr, scale, scale)
            cairo_set_source_rgb(cr, 1, 1, 1)
            cairo_paint(cr)
            let context = DrawingContext(cr: cr, scale: scale)
            try draw(into: context)
            try DrawingContext.check(cairo_status(cr), "draw")
            cairo_surface_flush(surface)
            return surface
        } catch {
            cairo_surface_destroy(surface)
            throw error
        }
    }
}
