/// Scalar image data with the colour map and value range used to draw it.
public struct PanelImage: Sendable {
    /// Row-major values, `width × height` of them.
    public var values: [Float]
    public var width: Int
    public var height: Int
    public var colormap: Colormap
    public var range: ValueRange

    /// Without a `range`, diverging maps (bwr, seismic) use `.symmetric` so zero is white, and other
    /// maps use `.automatic` ([min, max]).
    /// - Throws: `FigureError.imageSizeMismatch` when `values.count != width × height`.
    public init(values: [Float], width: Int, height: Int, colormap: Colormap = .gray, range: ValueRange? = nil) throws {
        guard width > 0, height > 0 else {
            throw FigureError.invalidArgument(what: "PanelImage", reason: "size \(width)×\(height) must be positive")
        }
        guard values.count == width * height else {
            throw FigureError.imageSizeMismatch(what: "PanelImage", width: width, height: height, count: values.count)
        }
        self.values = values
        self.width = width
        self.height = height
        self.colormap = colormap
        self.range = range ?? (colormap.isDiverging ? .symmetric : .automatic)
    }

    /// The value range actually used, resolved against the data.
    public var resolvedRange: ClosedRange<Double> { range.resolve(values) }

    func colorImage() throws -> ColorImage {
        try ColorImage(values: values, width: width, height: height, colormap: colormap, range: resolvedRange)
    }
}

/// One panel of an `ImageGridFigure`: an image, optionally a heat map blended on top, a title,
/// a colorbar and tick marks.
public struct ImagePanel: Sendable {
    /// The base image (for example the digit in gray).
    public var image: PanelImage
    /// A heat map drawn over `image` with opacity `overlayAlpha` (like matplotlib's
    /// `imshow(digit, cmap="gray"); imshow(heat, cmap=…, alpha=0.5)`).
    public var overlay: PanelImage?
    /// Opacity of the overlay in [0, 1].
    public var overlayAlpha: Double
    public var title: String?
    /// A vertical colorbar to the right, for the overlay when there is one, else for the image.
    public var showsColorbar: Bool
    /// Pixel-index ticks on the left and bottom edges (matplotlib's default for `imshow`).
    public var showsTicks: Bool

    public init(image: PanelImage, overlay: PanelImage? = nil, overlayAlpha: Double = 0.5, title: String? = nil,
                showsColorbar: Bool = false, showsTicks: Bool = false) {
        self.image = image
        self.overlay = overlay
        self.overlayAlpha = overlayAlpha
        self.title = title
        self.showsColorbar = showsColorbar
        self.showsTicks = showsTicks
    }

    /// The image the colorbar describes (the overlay if present).
    public var colorbarSource: PanelImage { overlay ?? image }
    /// The alpha the colorbar is drawn with (the overlay's, as matplotlib does).
    var colorbarAlpha: Double { overlay == nil ? 1 : min(1, max(0, overlayAlpha)) }
}
