import Foundation
import GlassboxEngine
import GlassboxFigures
import GlassboxMethods

/// `compareMethods(net, xs, methods: […], metrics: […])`: every metric of the catalog (or those
/// named) for every method (catalog names, option dictionaries, the student's own functions) on the
/// same images, as a table of means and a figure, with one progress bar for the whole comparison.
enum CompareMethodsBuiltin {
    /// A metric entry of the call: the metric with its options and its column title.
    struct MetricEntry {
        let metric: any ExplanationMetric
        let column: String
    }

    static let compareMethods = Builtin(
        name: "compareMethods",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the classifier"),
            BuiltinParameter(nil, name: "images", type: "ImageBatch or Tensor", doc: "the images every method is scored on"),
            BuiltinParameter("methods", type: "List",
                             doc: "the methods, each a method's name, a Dictionary of its options (\"name\" for the row) or your own func (model, images, target)"),
            BuiltinParameter("metrics", type: "List", default: .list(MetricCatalog.ids.map { .string($0) }),
                             doc: "the metrics, each a metric's name (" + MetricCatalog.ids.joined(separator: ", ")
                                + ") or a Dictionary [\"metric\": name, option: value…, \"name\": column title]; default: all of them"),
            BuiltinParameter("target", type: "Int, List or String", default: .string("predicted"),
                             doc: "the class followed for each image: \"predicted\", \"label\", an Int or a List"),
            BuiltinParameter("output", type: "String", default: .string("logit"), doc: "the explained scalar f, which the metrics measure"),
            BuiltinParameter("batchSize", type: "Int", default: .int(MethodBuiltins.defaultBatchSize), doc: "images per forward/backward pass"),
        ],
        returns: "Comparison",
        summary: "Every metric for every method on the same images: a table of mean scores (↑ higher is better, ↓ lower) and a figure ranking the methods per metric.",
        details: "Each method explains the unmodified images once; the metrics share that explanation (and max- and average "
            + "sensitivity share their noisy copies). The result shows the table and the score grid (each column shaded by rank, "
            + "dark = best); .table (means), .bands (95 % confidence half-widths), .figure (the grid), .curves (the curve metrics' "
            + "average curves, one chart per metric), .result(method, metric) (a MetricResult) and .methods / .metrics. "
            + "A method can be your own function: func mine(model, images, target) { return gradientTimesInput(model, images, target: target) }.",
        example: "compareMethods(net, xs, methods: [\"sensitivity\", \"gradientTimesInput\", \"deepTaylor\"],\n"
            + "               metrics: [\"regionPerturbation\", \"deletion\", \"maxSensitivity\", \"sparseness\"], output: \"reluLogit\")"
    ) { args, context in
        let function = "compareMethods"
        let call = try MethodBuiltins.prepare(args, function: function, context: context)
        guard case .list(let methodValues) = args.value("methods"), !methodValues.isEmpty else {
            throw args.error(.value, "methods", "must be a non-empty List of methods, e.g. [\"saliency\", \"deepTaylor\"]")
        }
        let methods = try methodValues.map { try MethodArgument.resolve($0, argument: "methods", args: args, call: call, context: context) }
        let metrics = try metricEntries(args, call: call)
        let monitor = context.workMonitor()
        let pairs = methods.count * metrics.count
        var results: [[MetricResult]] = []
        for (m, method) in methods.enumerated() {
            let subject = try MetricBuiltins.translating(function, args) {
                try MethodArgument.subject(call, explainer: method.explainer, context: context)
            }
            var row: [MetricResult] = []
            for (k, entry) in metrics.enumerated() {
                try monitor.cancellation.check()
                monitor.progress(ProgressEvent(task: function, completed: m * metrics.count + k, total: pairs))
                row.append(try MetricBuiltins.translating(function, args) { try entry.metric.evaluate(subject, monitor: monitor) })
            }
            results.append(row)
        }
        monitor.progress(ProgressEvent(task: function, completed: pairs, total: pairs, finished: true))
        let values = zip(results, methods).map { row, method in
            row.map { MetricValue($0, images: call.images, output: call.explained.output, style: method.style) }
        }
        return .object(ComparisonValue(methodNames: methods.map(\.explainer.name), columns: metrics.map(\.column), values: values,
                                       caption: "\(call.images.count) image\(call.images.count == 1 ? "" : "s") of \(call.model.name), f = \(call.explained.output.symbol)"))
    }

    /// The `metrics:` argument as metrics with their options and column titles.
    static func metricEntries(_ args: BoundArguments, call: MethodBuiltins.Call) throws -> [MetricEntry] {
        guard case .list(let items) = args.value("metrics"), !items.isEmpty else {
            throw args.error(.value, "metrics", "must be a non-empty List of metric names or Dictionaries")
        }
        let ids = MetricCatalog.ids
        return try items.map { item in
            var id: String?, name: String?
            var options: [String: OptionValue] = [:]
            switch item {
            case .string(let s): id = s
            case .dictionary(let dictionary):
                for (key, entry) in dictionary.entries {
                    switch key {
                    case "metric":
                        guard case .string(let s) = entry else { throw args.error(.type, "metrics", "has a \"metric\" entry that is not a String") }
                        id = s
                    case "name":
                        guard case .string(let s) = entry else { throw args.error(.type, "metrics", "has a \"name\" entry that is not a String") }
                        name = s
                    default: options[key] = try MethodBuiltins.optionValue(entry, argument: "metrics", args: args, call: call)
                    }
                }
            case let other:
                throw args.error(.type, "metrics", "must hold metric names or Dictionaries, got \(other.typeName) \(other.repr.prefix(30))")
            }
            guard let id else { throw args.error(.value, "metrics", "has a Dictionary without a \"metric\" entry naming the metric") }
            guard let type = MetricCatalog.metric(id) else {
                throw ScriptError(.value, "compareMethods: argument 'metrics': no metric named \"\(id)\"; the metrics are " + ids.joined(separator: ", "),
                                  at: args.ranges["metrics"], suggestions: Suggestions.closest(to: id, among: ids))
            }
            let metric: any ExplanationMetric
            do {
                metric = try type.make(options)
            } catch let error as MethodError {
                throw ScriptError(.value, "compareMethods: argument 'metrics': \(id): \(error.message)", at: args.ranges["metrics"])
            }
            var column = name ?? type.declaration.title
            if name == nil, !options.isEmpty {
                column += " (" + options.keys.sorted().map { "\($0) \(options[$0]!.literal)" }.joined(separator: ", ") + ")"
            }
            return MetricEntry(metric: metric, column: column + " " + metric.direction.arrow)
        }
    }
}

/// The result of `compareMethods`: the table of means (methods × metrics), shown with the score
/// grid figure beside it.
public struct ComparisonValue: ScriptObject {
    let methodNames: [String]
    let columns: [String]
    /// values[method][metric].
    let values: [[MetricValue]]
    let caption: String

    func table(_ cell: (MetricResult) -> Float, caption: String) throws -> Table {
        try Table(columns: ["method"] + columns,
                  rows: zip(methodNames, values).map { name, row in [.text(name)] + row.map { .number(Double(cell($0.result))) } },
                  caption: caption)
    }

    var meanTable: Table { get throws { try table({ $0.mean }, caption: "Mean over \(caption) (↑ higher is better, ↓ lower is better)") } }

    var grid: ScoreGridFigure {
        get throws {
            try ScoreGridFigure(rows: methodNames, columns: columns, values: values.map { $0.map { Double($0.result.mean) } },
                                higherIsBetter: values[0].map { $0.result.direction == .higherIsBetter },
                                title: "Mean scores on \(caption) (dark = best in its column)")
        }
    }

    public var typeName: String { "Comparison" }
    public var propertyNames: [String] { ["table", "bands", "figure", "curves", "methods", "metrics"] }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "table": return .object(TableValue(try meanTable))
        case "bands": return .object(TableValue(try table({ $0.confidenceHalfWidth }, caption: "95 % confidence half-widths of the means over \(caption)")))
        case "figure": return .object(FigureValue(try grid, title: "compareMethods"))
        case "curves": return .object(FigureValue(try curves(), title: "compareMethods curves"))
        case "methods": return .list(methodNames.map { .string($0) })
        case "metrics": return .list(columns.map { .string($0) })
        default: return nil
        }
    }

    /// One chart per curve metric, the methods overlaid.
    func curves() throws -> LineChartFigure {
        var axes: [ChartAxes] = []
        for k in columns.indices where values[0][k].result.curve != nil && values[0][k].continuity == nil {
            let figure = try MetricCharts.figure(values.map { $0[k] }, options: .init(title: columns[k]))
            axes += figure.axes
        }
        guard !axes.isEmpty else { throw ScriptError(.value, "compareMethods: none of the metrics has a curve") }
        return try LineChartFigure(axes: axes, plotWidth: 300, plotHeight: 210)
    }

    public var methods: [Builtin] {
        let names = methodNames, columns = columns, values = values
        return [Builtin(
            name: "result",
            parameters: [BuiltinParameter(nil, name: "method", type: "Int or String", doc: "the method's row (its name or index)"),
                         BuiltinParameter(nil, name: "metric", type: "Int or String", doc: "the metric's column (its id, title or index)")],
            returns: "MetricResult",
            summary: "The full result of one metric for one method (per-image scores, curves).",
            example: "let c = compareMethods(net, xs, methods: [\"saliency\", \"deepTaylor\"], metrics: [\"deletion\"])\nc.result(\"Saliency\", \"deletion\").scores"
        ) { args, _ in
            func index(_ argument: String, among labels: [String], ids: [String]) throws -> Int {
                switch args.value(argument) {
                case .int(let i) where i >= 0 && i < labels.count: return i
                case .string(let s):
                    if let i = labels.firstIndex(where: { $0 == s || $0.hasPrefix(s + " ") }) ?? ids.firstIndex(of: s) { return i }
                    throw ScriptError(.value, "result: argument '\(argument)': no \(argument) \"\(s)\"; there are " + labels.joined(separator: ", "),
                                      at: args.ranges[argument], suggestions: Suggestions.closest(to: s, among: labels + ids))
                case let other:
                    throw args.error(.value, argument, "must be a name or an index 0..<\(labels.count), got \(other.repr.prefix(30))")
                }
            }
            let m = try index("method", among: names, ids: names)
            let k = try index("metric", among: columns, ids: values[0].map(\.result.id))
            return .object(values[m][k])
        }]
    }

    public var textDescription: String { (try? meanTable.plainText()) ?? "Comparison of \(methodNames.count) methods" }

    public func richOutput() throws -> RichOutput? {
        let table = try meanTable
        guard let figure = try FigureValue(try grid, title: "compareMethods").richOutput(), let png = figure.png else {
            return RichOutput(text: table.plainText(), html: table.html())
        }
        let image = "<img src=\"data:image/png;base64,\(Data(png.bytes).base64EncodedString())\" width=\"\(png.width)\" height=\"\(png.height)\">"
        return RichOutput(text: table.plainText(), html: table.html() + "\n" + image, png: png)
    }
}
