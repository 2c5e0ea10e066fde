/// A rows × columns grid of image panels, each with optional overlay, title, colorbar and ticks.
///
/// Images are upscaled with nearest-neighbour sampling so every data pixel is a sharp block; with the
/// default `panelSize` of 112 CSS px a 28×28 image gets 4×4 CSS px (8×8 device px at scale 2) per pixel.
public struct ImageGridFigure: Figure {
    public let rows: Int
    public let columns: Int
    /// Row-major panels; `nil` leaves a cell empty.
    public let panels: [ImagePanel?]
    /// The long side of each image in CSS pixels (rounded to whole pixels).
    public let panelSize: Double
    public let layout: Layout
    public var width: Double { layout.width }
    public var height: Double { layout.height }

    /// Fixed spacing of the grid, in CSS pixels.
    public struct Layout: Sendable, Equatable {
        public var margin = 10.0
        /// Extra room left of the first column and right of the last, so that titles wider than
        /// their image are not cut at the figure's edge.
        public var leftPad = 0.0
        public var rightPad = 0.0
        public var titleHeight = 0.0
        public var tickLeft = 0.0
        public var tickBottom = 0.0
        public var colorbarSpace = 0.0
        public var columnGap = 18.0
        public var rowGap = 12.0
        public var cellWidth = 0.0
        public var cellHeight = 0.0
        public var width = 0.0
        public var height = 0.0
        /// Gap between an image and its colorbar, and the colorbar's width.
        public var colorbarGap = 8.0
        public var colorbarWidth = 10.0
    }

    /// A grid of `rows × columns` cells filled row by row from `panels` (fewer panels leave the rest
    /// empty).
    /// - Throws: `FigureError.invalidArgument` for an empty grid, too many panels or a bad size.
    public init(rows: Int, columns: Int, panels: [ImagePanel?], panelSize: Double = 112) throws {
        guard rows > 0, columns > 0, rows * columns <= 400 else {
            throw FigureError.invalidArgument(what: "ImageGridFigure", reason: "grid \(rows)×\(columns) must have 1…400 cells")
        }
        guard panels.count <= rows * columns else {
            throw FigureError.invalidArgument(what: "ImageGridFigure",
                                              reason: "\(panels.count) panels do not fit a \(rows)×\(columns) grid")
        }
        guard panelSize.isFinite, panelSize >= 8, panelSize <= 2000 else {
            throw FigureError.invalidArgument(what: "ImageGridFigure", reason: "panel size \(panelSize) must be in 8…2000 CSS px")
        }
        for (index, panel) in panels.enumerated() {
            guard let panel else { continue }
            guard panel.overlayAlpha.isFinite, (0...1).contains(panel.overlayAlpha) else {
                throw FigureError.invalidArgument(what: "panel \(index)", reason: "overlay alpha \(panel.overlayAlpha) must be in [0, 1]")
            }
        }
        self.rows = rows
        self.columns = columns
        self.panels = panels + Array(repeating: nil, count: rows * columns - panels.count)
        self.panelSize = panelSize.rounded()
        self.layout = ImageGridFigure.makeLayout(panels: self.panels, rows: rows, columns: columns, size: self.panelSize)
    }

    /// The reference's "5×2 digit grid": digit d at row d/2, column d%2, titled by `title(d)`
    /// ("Digit: d" by default), with optional heat-map overlays (one per digit).
    /// - Throws: when there are not exactly 10 images (or 10 overlays).
    public static func digitGrid(images: [PanelImage], overlays: [PanelImage]? = nil, overlayAlpha: Double = 0.5,
                                 title: (Int) -> String = { "Digit: \($0)" }, showsColorbar: Bool = true,
                                 showsTicks: Bool = true, panelSize: Double = 112) throws -> ImageGridFigure {
        guard images.count == 10 else {
            throw FigureError.invalidArgument(what: "digit grid", reason: "needs 10 images (digits 0–9), got \(images.count)")
        }
        if let overlays, overlays.count != 10 {
            throw FigureError.invalidArgument(what: "digit grid", reason: "needs 10 overlays (digits 0–9), got \(overlays.count)")
        }
        let panels: [ImagePanel?] = (0..<10).map { d in
            ImagePanel(image: images[d], overlay: overlays?[d], overlayAlpha: overlayAlpha, title: title(d),
                       showsColorbar: showsColorbar, showsTicks: showsTicks)
        }
        return try ImageGridFigure(rows: 5, columns: 2, panels: panels, panelSize: panelSize)
    }

    /// The panel at (row, column), if any.
    public func panel(row: Int, column: Int) -> ImagePanel? {
        guard row >= 0, row < rows, column >= 0, column < columns else { return nil }
        return panels[row * columns + column]
    }

    /// The rectangle in CSS pixels where the image of cell (row, column) is drawn.
    public func imageRect(row: Int, column: Int) -> (x: Double, y: Double, width: Double, height: Double) {
        let x0 = layout.margin + layout.leftPad + Double(column) * layout.cellWidth + layout.tickLeft
        let y0 = layout.margin + Double(row) * layout.cellHeight + layout.titleHeight
        guard let panel = panel(row: row, column: column) else { return (x0, y0, panelSize, panelSize) }
        let (w, h) = ImageGridFigure.fit(panel.image, panelSize)
        return (x0, y0, w, h)
    }

    /// The rectangle in CSS pixels of the colorbar of cell (row, column) (meaningful when it has one).
    public func colorbarRect(row: Int, column: Int) -> (x: Double, y: Double, width: Double, height: Double) {
        let image = imageRect(row: row, column: column)
        return (layout.margin + layout.leftPad + Double(column) * layout.cellWidth + layout.tickLeft + panelSize + layout.colorbarGap,
                image.y, layout.colorbarWidth, image.height)
    }

    public func draw(into context: DrawingContext) throws {
        for row in 0..<rows {
            for column in 0..<columns {
                guard let panel = panel(row: row, column: column) else { continue }
                try drawPanel(panel, row: row, column: column, context)
            }
        }
    }

    private func drawPanel(_ panel: ImagePanel, row: Int, column: Int, _ context: DrawingContext) throws {
        let r = imageRect(row: row, column: column)
        try context.drawImage(panel.image.colorImage(), x: r.x, y: r.y, width: r.width, height: r.height)
        if let overlay = panel.overlay {
            guard overlay.width == panel.image.width, overlay.height == panel.image.height else {
                throw FigureError.invalidArgument(
                    what: "panel (\(row), \(column)) overlay",
                    reason: "size \(overlay.width)×\(overlay.height) differs from the image's \(panel.image.width)×\(panel.image.height)")
            }
            try context.drawImage(overlay.colorImage(), x: r.x, y: r.y, width: r.width, height: r.height, alpha: panel.overlayAlpha)
        }
        context.strokeRect(x: r.x, y: r.y, width: r.width, height: r.height, color: Style.axisColor, lineWidth: 0.8)
        if let title = panel.title {
            context.text(title, x: r.x + r.width / 2, y: r.y - 7, size: Style.titleFontSize, color: Style.textColor, align: .center)
        }
        if panel.showsTicks { drawPixelTicks(panel.image, r, context) }
        if panel.showsColorbar { try drawColorbar(panel, colorbarRect(row: row, column: column), context) }
    }

    private func drawPixelTicks(_ image: PanelImage, _ r: (x: Double, y: Double, width: Double, height: Double),
                                _ context: DrawingContext) {
        let px = r.width / Double(image.width), py = r.height / Double(image.height)
        let size = ImageGridFigure.tickFontSize
        for i in TickScale(low: 0, high: Double(image.width - 1), target: 6).ticks {
            let x = r.x + (i + 0.5) * px
            context.line(from: (x, r.y + r.height), to: (x, r.y + r.height + 3), color: Style.axisColor)
            context.text(NumberFormat.tickLabel(i, step: 1), x: x, y: r.y + r.height + 4.5, size: size,
                         color: Style.textColor, align: .center, baseline: .top)
        }
        for j in TickScale(low: 0, high: Double(image.height - 1), target: 6).ticks {
            let y = r.y + (j + 0.5) * py
            context.line(from: (r.x - 3, y), to: (r.x, y), color: Style.axisColor)
            context.text(NumberFormat.tickLabel(j, step: 1), x: r.x - 4.5, y: y, size: size,
                         color: Style.textColor, align: .right, baseline: .middle)
        }
    }

    private func drawColorbar(_ panel: ImagePanel, _ bar: (x: Double, y: Double, width: Double, height: Double),
                              _ context: DrawingContext) throws {
        let source = panel.colorbarSource
        let range = source.resolvedRange
        let steps = 256
        // Top row is the high end.
        let ramp = (0..<steps).map { Float(range.upperBound - (range.upperBound - range.lowerBound) * Double($0) / Double(steps - 1)) }
        let gradient = try ColorImage(values: ramp, width: 1, height: steps, colormap: source.colormap, range: range)
        try context.drawImage(gradient, x: bar.x, y: bar.y, width: bar.width, height: bar.height, alpha: panel.colorbarAlpha)
        context.strokeRect(x: bar.x, y: bar.y, width: bar.width, height: bar.height, color: Style.axisColor, lineWidth: 0.8)
        let scale = TickScale(low: range.lowerBound, high: range.upperBound, target: 5)
        let span = range.upperBound - range.lowerBound
        for t in scale.ticks {
            let y = bar.y + bar.height * (range.upperBound - t) / span
            context.line(from: (bar.x + bar.width, y), to: (bar.x + bar.width + 3, y), color: Style.axisColor)
            context.text(scale.label(t), x: bar.x + bar.width + 5, y: y, size: ImageGridFigure.tickFontSize,
                         color: Style.textColor, align: .left, baseline: .middle)
        }
    }

    static let tickFontSize = 9.0

    static func fit(_ image: PanelImage, _ size: Double) -> (Double, Double) {
        let longest = Double(max(image.width, image.height))
        return ((size * Double(image.width) / longest).rounded(), (size * Double(image.height) / longest).rounded())
    }

    static func colorbarLabels(_ panel: ImagePanel) -> [String] {
        let range = panel.colorbarSource.resolvedRange
        let scale = TickScale(low: range.lowerBound, high: range.upperBound, target: 5)
        return scale.ticks.map { scale.label($0) }
    }

    static func makeLayout(panels: [ImagePanel?], rows: Int, columns: Int, size: Double) -> Layout {
        var layout = Layout()
        let present = panels.compactMap { $0 }
        if present.contains(where: { $0.title != nil }) { layout.titleHeight = 22 }
        if present.contains(where: { $0.showsTicks }) {
            let longest = present.filter(\.showsTicks).map { max($0.image.width, $0.image.height) }.max() ?? 1
            layout.tickLeft = (TextMeasure.width(String(longest), size: tickFontSize) + 9).rounded(.up)
            layout.tickBottom = 16
        }
        let withBars = present.filter(\.showsColorbar)
        if !withBars.isEmpty {
            let labelWidth = TextMeasure.maxWidth(withBars.flatMap(colorbarLabels), size: tickFontSize)
            layout.colorbarSpace = (layout.colorbarGap + layout.colorbarWidth + 5 + labelWidth + 2).rounded(.up)
        }
        // A title is centred over its image; one wider than the image overhangs it by half the
        // difference on each side. The overhang must fit between neighbouring images (widening the
        // gap between columns) and inside the figure at the outer columns (widening the margins).
        let clearance = 4.0
        var overhang = 0.0
        for panel in present {
            guard let title = panel.title else { continue }
            let imageWidth = fit(panel.image, size).0
            overhang = max(overhang, (TextMeasure.width(title, size: Style.titleFontSize) - imageWidth) / 2)
        }
        if overhang > 0 {
            let narrowest = present.map { fit($0.image, size).0 }.min() ?? size
            let spare = size - narrowest  // room right of a narrow image inside its cell
            let between = layout.colorbarSpace + layout.columnGap + layout.tickLeft + spare
            layout.columnGap += max(0, (2 * overhang + clearance - between).rounded(.up))
            layout.leftPad = max(0, (overhang - layout.tickLeft - layout.margin + clearance).rounded(.up))
            layout.rightPad = max(0, (overhang - layout.colorbarSpace - spare - layout.margin + clearance).rounded(.up))
        }
        layout.cellWidth = layout.tickLeft + size + layout.colorbarSpace + layout.columnGap
        layout.cellHeight = layout.titleHeight + size + layout.tickBottom + layout.rowGap
        layout.width = 2 * layout.margin + layout.leftPad + layout.rightPad + Double(columns) * layout.cellWidth - layout.columnGap
        layout.height = 2 * layout.margin + Double(rows) * layout.cellHeight - layout.rowGap
        return layout
    }
}
