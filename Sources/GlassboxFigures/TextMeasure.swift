import CCairo

/// Measures text in the figure font before drawing, so layouts can leave room for labels.
enum TextMeasure {
    /// The advance width of `text` at `size` CSS px in DejaVu Sans.
    static func width(_ text: String, size: Double) -> Double {
        guard !text.isEmpty else { return 0 }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1) else { return fallback(text, size) }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { return fallback(text, size) }
        defer { cairo_destroy(cr) }
        cairo_select_font_face(cr, DrawingContext.fontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        guard cairo_status(cr) == CAIRO_STATUS_SUCCESS, extents.x_advance.isFinite else { return fallback(text, size) }
        return extents.x_advance
    }

    /// The widest of `texts`.
    static func maxWidth(_ texts: [String], size: Double) -> Double {
        texts.map { width($0, size: size) }.max() ?? 0
    }

    private static func fallback(_ text: String, _ size: Double) -> Double {
        Double(text.count) * 0.62 * size
    }
}
