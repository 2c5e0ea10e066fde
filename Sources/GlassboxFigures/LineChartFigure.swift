/// One line of a chart.
public struct LineSeries: Sendable {
    public var x: [Double]
    public var y: [Double]
    /// Shown in the legend when present.
    public var label: String?
    /// Dots at every data point.
    public var showsMarkers: Bool
    /// The colour; `nil` takes the next colour of the tab10 cycle.
    public var color: RGB?
    public var lineWidth: Double
    /// Half-widths of a band drawn around the line in its colour at low opacity (a confidence
    /// interval: y ± band), one per point; nil for no band.
    public var band: [Double]?

    /// - Throws: `FigureError.invalidArgument` when `x` and `y` differ in length.
    public init(x: [Double], y: [Double], label: String? = nil, showsMarkers: Bool = false, color: RGB? = nil,
                lineWidth: Double = 1.5) throws {
        guard x.count == y.count else {
            throw FigureError.invalidArgument(what: "series \(label.map { "'\($0)'" } ?? "")",
                                              reason: "x has \(x.count) values but y has \(y.count)")
        }
        self.x = x
        self.y = y
        self.label = label
        self.showsMarkers = showsMarkers
        self.color = color
        self.lineWidth = lineWidth
    }

    /// The same line with a band y ± `band` around it.
    /// - Throws: `FigureError.invalidArgument` when `band` and `y` differ in length.
    public func withBand(_ band: [Double]) throws -> LineSeries {
        guard band.count == y.count else {
            throw FigureError.invalidArgument(what: "band of series \(label.map { "'\($0)'" } ?? "")",
                                              reason: "\(band.count) half-widths for \(y.count) points")
        }
        var copy = self
        copy.band = band
        return copy
    }

    /// The lowest and highest y drawn, the band included.
    var drawnY: [Double] {
        guard let band else { return y }
        return zip(y, band).flatMap { [$0 - $1, $0 + $1] }
    }

    /// A series at x = 0, 1, 2, ….
    public init(y: [Double], label: String? = nil, showsMarkers: Bool = false, color: RGB? = nil) {
        self.x = y.indices.map(Double.init)
        self.y = y
        self.label = label
        self.showsMarkers = showsMarkers
        self.color = color
        self.lineWidth = 1.5
    }
}

/// An arrow from (x, y) to (x + dx, y + dy) in data coordinates, with a head at its end.
public struct ChartArrow: Sendable, Equatable {
    public var x: Double, y: Double, dx: Double, dy: Double
    public var color: RGB

    public init(x: Double, y: Double, dx: Double, dy: Double, color: RGB = Style.seriesColors[0]) {
        self.x = x
        self.y = y
        self.dx = dx
        self.dy = dy
        self.color = color
    }
}

/// Where a legend goes inside its axes.
public enum LegendPosition: String, Sendable, CaseIterable {
    case none, upperLeft = "upper left", upperRight = "upper right", lowerLeft = "lower left",
         lowerRight = "lower right", best
}

/// One plot area of a `LineChartFigure`: its series, labels and axis options.
public struct ChartAxes: Sendable {
    public var series: [LineSeries]
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    /// Fixed axis limits; `nil` sides follow the data with a 5% margin (as matplotlib does).
    public var xMin: Double?
    public var xMax: Double?
    public var yMin: Double?
    public var yMax: Double?
    /// Explicit x tick positions (else nice 1-2-5 ticks).
    public var xTicks: [Double]?
    public var legend: LegendPosition
    public var showsGrid: Bool
    /// Arrows drawn over the series (a vector field), in data coordinates.
    public var arrows: [ChartArrow]

    public init(series: [LineSeries], title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
                xMin: Double? = nil, xMax: Double? = nil, yMin: Double? = nil, yMax: Double? = nil,
                xTicks: [Double]? = nil, legend: LegendPosition = .best, showsGrid: Bool = false, arrows: [ChartArrow] = []) {
        self.series = series
        self.arrows = arrows
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xMin = xMin
        self.xMax = xMax
        self.yMin = yMin
        self.yMax = yMax
        self.xTicks = xTicks
        self.legend = legend
        self.showsGrid = showsGrid
    }

    /// The x and y limits drawn: fixed sides as given, others from finite data ± 5%.
    public func limits() -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        (ChartAxes.limit(series.flatMap(\.x) + arrows.flatMap { [$0.x, $0.x + $0.dx] }, xMin, xMax),
         ChartAxes.limit(series.flatMap(\.drawnY) + arrows.flatMap { [$0.y, $0.y + $0.dy] }, yMin, yMax))
    }

    static func limit(_ values: [Double], _ fixedLow: Double?, _ fixedHigh: Double?) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if high <= low {
            let pad = low == 0 ? 0.5 : abs(low) * 0.05
            low -= pad
            high += pad
        } else {
            let margin = (high - low) * 0.05
            low -= margin
            high += margin
        }
        if let fixedLow { low = fixedLow }
        if let fixedHigh { high = fixedHigh }
        if high <= low { high = low + 1 }
        return low...high
    }
}

/// One or more line charts side by side (the reference's 1×3 subplot rows), matplotlib-like: light
/// axes, nice 1-2-5 ticks, tab10 colours, optional dot markers, legend, no grid by default.
public struct LineChartFigure: Figure {
    public let axes: [ChartAxes]
    /// Size of each plot area in CSS pixels.
    public let plotWidth: Double
    public let plotHeight: Double
    public let width: Double
    public let height: Double
    private let frames: [Frame]

    struct Frame: Sendable {
        var plot: (x: Double, y: Double, width: Double, height: Double)
        var xLimits: ClosedRange<Double>
        var yLimits: ClosedRange<Double>
        var xTicks: [Double]
        var yTicks: TickScale
        var xTickScale: TickScale
    }

    static let tickFont = 10.0, labelFont = 11.0, titleFont = 12.0, legendFont = 10.0

    /// Charts side by side, each with a plot area of `plotWidth × plotHeight` CSS px.
    /// - Throws: `FigureError.invalidArgument` for no axes or a bad size.
    public init(axes: [ChartAxes], plotWidth: Double = 320, plotHeight: Double = 220) throws {
        guard !axes.isEmpty, axes.count <= 12 else {
            throw FigureError.invalidArgument(what: "LineChartFigure", reason: "needs 1…12 axes, got \(axes.count)")
        }
        guard plotWidth.isFinite, plotHeight.isFinite, plotWidth >= 40, plotHeight >= 40, plotWidth <= 4000, plotHeight <= 4000 else {
            throw FigureError.invalidArgument(what: "LineChartFigure", reason: "plot size \(plotWidth)×\(plotHeight) must be 40…4000 CSS px")
        }
        self.axes = axes
        self.plotWidth = plotWidth.rounded()
        self.plotHeight = plotHeight.rounded()
        let anyTitle = axes.contains { $0.title != nil }
        let anyXLabel = axes.contains { $0.xLabel != nil }
        let top = anyTitle ? 30.0 : 12
        let bottom = 26.0 + (anyXLabel ? 18 : 0)
        var frames: [Frame] = []
        var x = 0.0
        for a in axes {
            let (xl, yl) = a.limits()
            let yScale = TickScale(low: yl.lowerBound, high: yl.upperBound, target: max(3, Int(plotHeight / 45)))
            let xScale = TickScale(low: xl.lowerBound, high: xl.upperBound, target: max(3, Int(plotWidth / 60)))
            let xTicks = (a.xTicks ?? xScale.ticks).filter { xl.contains($0) }
            let labelWidth = TextMeasure.maxWidth(yScale.ticks.map { yScale.label($0) }, size: LineChartFigure.tickFont)
            let left = (8 + labelWidth + 8 + (a.yLabel != nil ? 20 : 0)).rounded(.up)
            let titleWidth = a.title.map { TextMeasure.width($0, size: LineChartFigure.titleFont) } ?? 0
            let extra = max(0, ((titleWidth - self.plotWidth) / 2).rounded(.up))
            x += left + extra
            frames.append(Frame(plot: (x, top, self.plotWidth, self.plotHeight), xLimits: xl, yLimits: yl,
                                xTicks: xTicks, yTicks: yScale, xTickScale: xScale))
            x += self.plotWidth + 16 + extra
        }
        self.frames = frames
        self.width = x
        self.height = top + self.plotHeight + bottom
    }

    /// A single chart.
    public init(series: [LineSeries], title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
                legend: LegendPosition = .best, plotWidth: Double = 420, plotHeight: Double = 280) throws {
        try self.init(axes: [ChartAxes(series: series, title: title, xLabel: xLabel, yLabel: yLabel, legend: legend)],
                      plotWidth: plotWidth, plotHeight: plotHeight)
    }

    /// The plot rectangle of axes `index` in CSS pixels.
    public func plotRect(_ index: Int) -> (x: Double, y: Double, width: Double, height: Double) { frames[index].plot }

    /// The x and y limits of axes `index`.
    public func limits(_ index: Int) -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        (frames[index].xLimits, frames[index].yLimits)
    }

    /// The y tick values of axes `index`.
    public func yTicks(_ index: Int) -> [Double] { frames[index].yTicks.ticks }
    /// The x tick values of axes `index`.
    public func xTicks(_ index: Int) -> [Double] { frames[index].xTicks }

    /// Where data point (x, y) of axes `index` lands, in CSS pixels.
    public func position(x: Double, y: Double, axes index: Int) -> (x: Double, y: Double) {
        let f = frames[index]
        let px = f.plot.x + (x - f.xLimits.lowerBound) / (f.xLimits.upperBound - f.xLimits.lowerBound) * f.plot.width
        let py = f.plot.y + f.plot.height - (y - f.yLimits.lowerBound) / (f.yLimits.upperBound - f.yLimits.lowerBound) * f.plot.height
        return (px, py)
    }

    /// The colour series `seriesIndex` of axes `index` is drawn in.
    public func color(series seriesIndex: Int, axes index: Int) -> RGB {
        axes[index].series[seriesIndex].color ?? Style.seriesColors[seriesIndex % Style.seriesColors.count]
    }

    public func draw(into context: DrawingContext) throws {
        for index in axes.indices { drawAxes(index, context) }
    }

    private func drawAxes(_ index: Int, _ context: DrawingContext) {
        let a = axes[index], f = frames[index], r = f.plot
        let ink = Style.axisColor
        if a.showsGrid {
            for t in f.xTicks { let p = position(x: t, y: f.yLimits.lowerBound, axes: index); context.line(from: (p.x, r.y), to: (p.x, r.y + r.height), color: Style.gridColor) }
            for t in f.yTicks.ticks where f.yLimits.contains(t) {
                let p = position(x: f.xLimits.lowerBound, y: t, axes: index)
                context.line(from: (r.x, p.y), to: (r.x + r.width, p.y), color: Style.gridColor)
            }
        }
        context.withSavedState {
            context.clip(x: r.x, y: r.y, width: r.width, height: r.height)
            for (s, series) in a.series.enumerated() {
                guard let band = series.band else { continue }
                let upper = zip(zip(series.x, series.y), band).map { position(x: $0.0, y: $0.1 + $1, axes: index) }
                let lower = zip(zip(series.x, series.y), band).map { position(x: $0.0, y: $0.1 - $1, axes: index) }
                context.fillPolygon((upper + lower.reversed()).map { ($0.x, $0.y) }, color: color(series: s, axes: index), alpha: 0.2)
            }
            for (s, series) in a.series.enumerated() {
                let color = color(series: s, axes: index)
                let points = zip(series.x, series.y).map { position(x: $0, y: $1, axes: index) }.map { ($0.x, $0.y) }
                context.polyline(points, color: color, lineWidth: series.lineWidth)
                if series.showsMarkers {
                    for p in points where p.0.isFinite && p.1.isFinite {
                        context.fillCircle(center: p, radius: 2.6, color: color)
                    }
                }
            }
            for arrow in a.arrows { drawArrow(arrow, axes: index, context) }
        }
        context.strokeRect(x: r.x, y: r.y, width: r.width, height: r.height, color: ink, lineWidth: 0.8)
        for t in f.xTicks {
            let p = position(x: t, y: f.yLimits.lowerBound, axes: index)
            context.line(from: (p.x, r.y + r.height), to: (p.x, r.y + r.height + 3.5), color: ink)
            let label = a.xTicks == nil ? f.xTickScale.label(t) : NumberFormat.significant(t)
            context.text(label, x: p.x, y: r.y + r.height + 6, size: LineChartFigure.tickFont, color: Style.textColor,
                         align: .center, baseline: .top)
        }
        for t in f.yTicks.ticks where f.yLimits.contains(t) {
            let p = position(x: f.xLimits.lowerBound, y: t, axes: index)
            context.line(from: (r.x - 3.5, p.y), to: (r.x, p.y), color: ink)
            context.text(f.yTicks.label(t), x: r.x - 6, y: p.y, size: LineChartFigure.tickFont, color: Style.textColor,
                         align: .right, baseline: .middle)
        }
        if let title = a.title {
            context.text(title, x: r.x + r.width / 2, y: r.y - 9, size: LineChartFigure.titleFont, color: Style.textColor, align: .center)
        }
        if let xLabel = a.xLabel {
            context.text(xLabel, x: r.x + r.width / 2, y: r.y + r.height + 24, size: LineChartFigure.labelFont,
                         color: Style.textColor, align: .center, baseline: .top)
        }
        if let yLabel = a.yLabel {
            let labelWidth = TextMeasure.maxWidth(f.yTicks.ticks.map { f.yTicks.label($0) }, size: LineChartFigure.tickFont)
            context.text(yLabel, x: r.x - 8 - labelWidth - 6, y: r.y + r.height / 2, size: LineChartFigure.labelFont,
                         color: Style.textColor, align: .center, baseline: .bottom, angle: -Double.pi / 2)
        }
        if let box = legendBox(index) { drawLegend(index, box, context) }
    }

    /// A shaft and a filled head whose size follows the arrow's length (at most 7 px); arrows
    /// shorter than half a pixel are drawn as a dot.
    private func drawArrow(_ arrow: ChartArrow, axes index: Int, _ context: DrawingContext) {
        let start = position(x: arrow.x, y: arrow.y, axes: index)
        let end = position(x: arrow.x + arrow.dx, y: arrow.y + arrow.dy, axes: index)
        let (vx, vy) = (end.x - start.x, end.y - start.y)
        let length = (vx * vx + vy * vy).squareRoot()
        guard length.isFinite else { return }
        guard length >= 0.5 else {
            context.fillCircle(center: (start.x, start.y), radius: 1, color: arrow.color)
            return
        }
        let head = min(7, 0.4 * length)
        let (ux, uy) = (vx / length, vy / length)
        let base = (end.x - head * ux, end.y - head * uy)
        context.line(from: (start.x, start.y), to: base, color: arrow.color, lineWidth: 1.2)
        context.fillPolygon([(end.x, end.y), (base.0 - 0.45 * head * uy, base.1 + 0.45 * head * ux),
                             (base.0 + 0.45 * head * uy, base.1 - 0.45 * head * ux)], color: arrow.color)
    }

    /// The legend rectangle of axes `index` in CSS pixels, or nil when there is no legend.
    public func legendBox(_ index: Int) -> (x: Double, y: Double, width: Double, height: Double)? {
        let a = axes[index], r = frames[index].plot
        let labels = a.series.compactMap(\.label)
        guard a.legend != .none, !labels.isEmpty else { return nil }
        let rowHeight = LineChartFigure.legendFont * 1.45
        let w = 8 + 22 + 6 + TextMeasure.maxWidth(labels, size: LineChartFigure.legendFont) + 8
        let h = 6 + Double(labels.count) * rowHeight + 4
        let inset = 6.0
        func box(_ p: LegendPosition) -> (x: Double, y: Double, width: Double, height: Double) {
            switch p {
            case .upperLeft: return (r.x + inset, r.y + inset, w, h)
            case .lowerLeft: return (r.x + inset, r.y + r.height - inset - h, w, h)
            case .lowerRight: return (r.x + r.width - inset - w, r.y + r.height - inset - h, w, h)
            default: return (r.x + r.width - inset - w, r.y + inset, w, h)
            }
        }
        guard a.legend == .best else { return box(a.legend) }
        // matplotlib's order of preference; pick the corner covering the fewest points and segments.
        var best = box(.upperRight), bestCost = Int.max
        for p in [LegendPosition.upperRight, .upperLeft, .lowerLeft, .lowerRight] {
            let b = box(p)
            var cost = 0
            for s in a.series {
                var previous: (x: Double, y: Double)?
                for (x, y) in zip(s.x, s.y) where x.isFinite && y.isFinite {
                    let q = position(x: x, y: y, axes: index)
                    if let previous {
                        // Sample the segment so lines through the box count, not only vertices.
                        for k in 0...4 {
                            let t = Double(k) / 4
                            let px = previous.x + (q.x - previous.x) * t, py = previous.y + (q.y - previous.y) * t
                            if px >= b.x && px <= b.x + b.width && py >= b.y && py <= b.y + b.height { cost += 1 }
                        }
                    } else if q.x >= b.x && q.x <= b.x + b.width && q.y >= b.y && q.y <= b.y + b.height {
                        cost += 1
                    }
                    previous = q
                }
            }
            if cost < bestCost { bestCost = cost; best = b }
        }
        return best
    }

    private func drawLegend(_ index: Int, _ box: (x: Double, y: Double, width: Double, height: Double), _ context: DrawingContext) {
        context.fillRect(x: box.x, y: box.y, width: box.width, height: box.height, color: .white, alpha: 0.85)
        context.strokeRect(x: box.x, y: box.y, width: box.width, height: box.height, color: RGB(0.8, 0.8, 0.8), lineWidth: 0.8)
        let rowHeight = LineChartFigure.legendFont * 1.45
        var row = 0
        for (s, series) in axes[index].series.enumerated() {
            guard let label = series.label else { continue }
            let y = box.y + 6 + (Double(row) + 0.5) * rowHeight
            let color = color(series: s, axes: index)
            context.line(from: (box.x + 8, y), to: (box.x + 30, y), color: color, lineWidth: series.lineWidth)
            if series.showsMarkers { context.fillCircle(center: (box.x + 19, y), radius: 2.6, color: color) }
            context.text(label, x: box.x + 36, y: y, size: LineChartFigure.legendFont, color: Style.textColor, baseline: .middle)
            row += 1
        }
    }
}
