import GlassboxFigures
import GlassboxMethods

/// Line charts of metric results: the average curves of several results overlaid (one line per
/// method, with its 95 % band), or, for translation continuity, chapter 5.1's chart per result side
/// by side (f and the four quadrant sums against the digit's position).
enum MetricCharts {
    /// Labels and limits a caller may set.
    struct Options {
        var title: String?
        var xLabel: String?
        var yLabel: String?
        var yMin: Double?
        var yMax: Double?
        var bands = true
        var labels: [String]?
    }

    static func figure(_ values: [MetricValue], title: String?) throws -> LineChartFigure {
        try figure(values, options: Options(title: title))
    }

    static func figure(_ values: [MetricValue], options: Options) throws -> LineChartFigure {
        if values.allSatisfy({ $0.continuity != nil }) {
            return try LineChartFigure(axes: try values.enumerated().map { index, value in
                try continuityAxes(value, title: options.labels?[index] ?? options.title.map { "\(value.result.method): \($0)" }
                                    ?? "\(value.result.method) under translation", options: options)
            })
        }
        var series: [LineSeries] = []
        for (index, value) in values.enumerated() {
            guard let curve = value.result.curve else {
                throw ScriptError(.value, "plot: \(value.result.metric) has no curve (one score per image); show its scores with table(…)")
            }
            var line = try LineSeries(x: curve.x, y: curve.average.map(Double.init), label: options.labels?[index] ?? value.result.method,
                                      showsMarkers: curve.x.count <= 30)
            if options.bands, curve.values.count > 1 { line = try line.withBand(curve.band.map(Double.init)) }
            series.append(line)
        }
        let first = values[0].result
        let curve = first.curve!
        let count = first.scores.count
        return try LineChartFigure(axes: [ChartAxes(
            series: series,
            title: options.title ?? "\(first.metric) on \(count) image\(count == 1 ? "" : "s")",
            xLabel: options.xLabel ?? curve.xLabel,
            yLabel: options.yLabel ?? (count > 1 ? "average \(curve.yLabel)" : curve.yLabel),
            yMin: options.yMin, yMax: options.yMax, legend: .best)], plotWidth: 420, plotHeight: 280)
    }

    /// f and R1 … R4 of the result's first image against the shift.
    static func continuityAxes(_ value: MetricValue, title: String, options: Options) throws -> ChartAxes {
        guard let record = value.continuity, let curve = value.result.curve else {
            throw ScriptError(.value, "plot: not a translation-continuity result")
        }
        let x = record.shifts.map(Double.init)
        var series = [try LineSeries(x: x, y: curve.values[0].map(Double.init), label: "f(x)", showsMarkers: true)]
        let names = ["R1 (top left)", "R2 (top right)", "R3 (bottom right)", "R4 (bottom left)"]
        for q in 0..<4 {
            series.append(try LineSeries(x: x, y: record.quadrants[0].map { Double($0[q]) }, label: names[q], showsMarkers: true))
        }
        return ChartAxes(series: series, title: title, xLabel: options.xLabel ?? "digit position",
                         yLabel: options.yLabel ?? "relevance scores", yMin: options.yMin, yMax: options.yMax, legend: .upperLeft)
    }
}
