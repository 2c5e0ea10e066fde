/// A colour map shown as a horizontal bar with tick labels 0 … 1 and its name as title.
public struct ColormapFigure: Figure {
    public let colormap: Colormap
    public let width: Double
    public let height: Double

    /// Geometry in CSS pixels, exposed so tests and callers can find the bar.
    public static let margin = (left: 20.0, right: 20.0, top: 34.0, bottom: 30.0)

    /// The map called `name`, drawn `width × height` CSS pixels.
    /// - Throws: `FigureError.unknownColormap` for an unknown name.
    public init(name: String, width: Double = 480, height: Double = 100) throws {
        try self.init(colormap: Colormap(named: name), width: width, height: height)
    }

    public init(colormap: Colormap, width: Double = 480, height: Double = 100) throws {
        guard width >= 80, height >= 70 else {
            throw FigureError.invalidArgument(what: "ColormapFigure", reason: "size \(width)×\(height) is smaller than 80×70")
        }
        self.colormap = colormap
        self.width = width
        self.height = height
    }

    /// The bar's rectangle (x, y, width, height) in CSS pixels.
    public var barRect: (x: Double, y: Double, width: Double, height: Double) {
        let m = ColormapFigure.margin
        return (m.left, m.top, width - m.left - m.right, height - m.top - m.bottom)
    }

    public func draw(into context: DrawingContext) throws {
        let bar = barRect
        context.text(colormap.name, x: width / 2, y: 22, size: 13, align: .center)
        let samples = 512
        let ramp = (0..<samples).map { Float($0) / Float(samples - 1) }
        let image = try ColorImage(values: ramp, width: samples, height: 1, colormap: colormap, range: 0...1)
        try context.drawImage(image, x: bar.x, y: bar.y, width: bar.width, height: bar.height)
        context.strokeRect(x: bar.x, y: bar.y, width: bar.width, height: bar.height, color: Style.axisColor)
        let scale = TickScale(low: 0, high: 1, target: 5)
        for t in scale.ticks {
            let x = bar.x + t * bar.width
            context.line(from: (x, bar.y + bar.height), to: (x, bar.y + bar.height + 3.5), color: Style.axisColor)
            context.text(scale.label(t), x: x, y: bar.y + bar.height + 5, size: Style.tickFontSize,
                         color: Style.textColor, align: .center, baseline: .top)
        }
    }
}
