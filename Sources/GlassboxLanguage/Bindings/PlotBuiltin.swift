import GlassboxFigures

/// `plot(…)`: line charts of lists of numbers, 1-D tensors, or training histories.
enum PlotBuiltin {
    static var all: [Builtin] { [plot, quiver] }

    static let plot = Builtin(
        name: "plot",
        parameters: [
            BuiltinParameter(nil, name: "series", type: "List, Tensor, History or MetricResult", variadic: true,
                             doc: "one or more lines: Lists of numbers (y at x = 0, 1, 2, …), 1-D Tensors, training histories (loss and accuracy per epoch, side by side; a GAN's generator and discriminator losses), or metric results (each method's average curve with its 95 % band; translation-continuity results as one chart each, f and the four quadrant sums)"),
            BuiltinParameter("x", type: "List", default: .nil, doc: "x positions shared by every List series"),
            BuiltinParameter("labels", type: "List", default: .nil, doc: "legend labels, one per series"),
            BuiltinParameter("title", type: "String", default: .nil, doc: "title above the chart"),
            BuiltinParameter("xLabel", type: "String", default: .nil, doc: "x axis label"),
            BuiltinParameter("yLabel", type: "String", default: .nil, doc: "y axis label"),
            BuiltinParameter("markers", type: "Bool", default: .bool(false), doc: "a dot at every data point"),
            BuiltinParameter("yMin", type: "Double", default: .nil, doc: "the lower end of the y axis (nil: from the data)"),
            BuiltinParameter("yMax", type: "Double", default: .nil, doc: "the upper end of the y axis (nil: from the data)"),
            BuiltinParameter("band", type: "Bool", default: .bool(true), doc: "metric results: draw the 95 % confidence band of each average curve"),
        ],
        returns: "Figure",
        summary: "A line chart: training curves from histories, or lines from lists of numbers.",
        details: "plot(net.history) draws loss and accuracy per epoch in two charts side by side; several histories are "
            + "overlaid with the models' names in the legend. plot(runA, runB) overlays the average curves of metric results "
            + "(pixel flipping of two methods), each with its 95 % confidence band.",
        example: "plot(net.history)\nplot([0.5, 0.3, 0.2], [0.6, 0.4, 0.35], labels: [\"a\", \"b\"], title: \"loss\")"
    ) { args, _ in
        let items = args.variadic
        guard !items.isEmpty else { throw ScriptError(.type, "plot: give at least one series, e.g. plot([1, 4, 9]) or plot(net.history)") }
        let labels = args.isNil("labels") ? nil : try args.strings("labels")
        if let labels, labels.count != items.count {
            throw args.error(.value, "labels", "has \(labels.count) labels for \(items.count) series")
        }
        let markers = try args.bool("markers")
        let title = try args.optionalString("title")
        let yMin = try args.optionalDouble("yMin"), yMax = try args.optionalDouble("yMax")
        let results = items.compactMap { item -> MetricValue? in
            if case .object(let r as MetricValue) = item { return r } else { return nil }
        }
        if !results.isEmpty {
            guard results.count == items.count else { throw ScriptError(.type, "plot: metric results and other series cannot be mixed in one chart") }
            let options = MetricCharts.Options(title: title, xLabel: try args.optionalString("xLabel"), yLabel: try args.optionalString("yLabel"),
                                               yMin: yMin, yMax: yMax, bands: try args.bool("band"), labels: labels)
            let figure = try BindingErrors.translating("plot") { try MetricCharts.figure(results, options: options) }
            return .object(FigureValue(figure, title: title ?? results.map(\.result.metric).first! + " of " + results.map(\.result.method).joined(separator: ", ")))
        }
        let histories = items.compactMap { item -> TrainingHistory? in
            if case .object(let h as TrainingHistory) = item { return h } else { return nil }
        }
        if !histories.isEmpty {
            guard histories.count == items.count else {
                throw ScriptError(.type, "plot: histories and lists cannot be mixed in one chart")
            }
            if let empty = histories.first(where: { $0.epochs.isEmpty }) {
                throw ScriptError(.value, "plot: the history of \(empty.modelName) is empty; train the model first (it has no completed epoch)")
            }
            func series(_ value: (EpochRecord) -> Double) throws -> [LineSeries] {
                try histories.enumerated().map { index, history in
                    try LineSeries(x: history.epochs.map { Double($0.epoch) }, y: history.epochs.map(value),
                                   label: labels?[index] ?? (histories.count > 1 ? history.modelName : nil), showsMarkers: true)
                }
            }
            let epochs = histories.flatMap { $0.epochs.map { Double($0.epoch) } }
            let ticks = Set(epochs).count <= 15 ? Array(Set(epochs)).sorted() : nil
            let adversarial = histories.map(\.isAdversarial)
            guard Set(adversarial).count == 1 else {
                throw ScriptError(.type, "plot: a GAN's history (generator and discriminator losses) cannot share a chart with a classifier's")
            }
            let figure = try BindingErrors.translating("plot") {
                if adversarial[0] {
                    return try LineChartFigure(axes: [
                        ChartAxes(series: try series(\.loss), title: title.map { "\($0): generator" } ?? "generator loss", xLabel: "epoch",
                                  yLabel: "mean batch loss", xTicks: ticks),
                        ChartAxes(series: try series { $0.discriminatorLoss ?? .nan }, title: title.map { "\($0): discriminator" } ?? "discriminator loss",
                                  xLabel: "epoch", yLabel: "mean batch loss", xTicks: ticks),
                    ])
                }
                return try LineChartFigure(axes: [
                    ChartAxes(series: try series(\.loss), title: title.map { "\($0): loss" } ?? "loss", xLabel: "epoch", yLabel: "mean batch loss", xTicks: ticks),
                    ChartAxes(series: try series(\.accuracy), title: title.map { "\($0): accuracy" } ?? "accuracy", xLabel: "epoch", yLabel: "mean batch accuracy", xTicks: ticks),
                ])
            }
            return .object(FigureValue(figure, title: "Training history of " + histories.map(\.modelName).joined(separator: ", ")))
        }
        let x = args.isNil("x") ? nil : try args.numberList("x")
        var lines: [LineSeries] = []
        for (index, item) in items.enumerated() {
            let y: [Double]
            switch item {
            case .list(let values):
                y = try values.enumerated().map { i, v in
                    guard let number = v.numberValue else {
                        throw ScriptError(.type, "plot: series \(index) must hold numbers; item \(i) is \(v.typeName)")
                    }
                    return number
                }
            case .tensor(let t) where t.rank <= 1:
                y = t.scalars.map(Double.init)
            case .tensor(let t):
                throw ScriptError(.value, "plot: series \(index) is a Tensor of shape \(t.shape); give a 1-D Tensor or a List")
            default:
                throw ScriptError(.type, "plot: series \(index) must be a List of numbers, a 1-D Tensor or a History, got \(item.typeName)")
            }
            let label = labels?[index]
            if let x {
                guard x.count == y.count else {
                    throw args.error(.value, "x", "has \(x.count) values but series \(index) has \(y.count)")
                }
                lines.append(try BindingErrors.translating("plot") { try LineSeries(x: x, y: y, label: label, showsMarkers: markers) })
            } else {
                lines.append(LineSeries(y: y, label: label, showsMarkers: markers))
            }
        }
        let figure = try BindingErrors.translating("plot") {
            try LineChartFigure(axes: [ChartAxes(series: lines, title: title, xLabel: try args.optionalString("xLabel"),
                                                 yLabel: try args.optionalString("yLabel"), yMin: yMin, yMax: yMax)],
                                plotWidth: 420, plotHeight: 280)
        }
        return .object(FigureValue(figure, title: title ?? "Line chart of \(lines.count) series"))
    }
}
