import GlassboxEngine
import GlassboxFigures
import GlassboxMethods
import GlassboxModels

/// The evaluation metrics' builtins (chapters 5.1 and 5.2 and beyond): region perturbation,
/// translation continuity, max-sensitivity, sparseness, complexity, `compareMethods` across
/// methods, and `translate`. A method is named by its builtin's name ("deepTaylor"), by a
/// Dictionary with options (["method": "sensitivity", "exponent": 4]), or is a function of the
/// student's own taking (model, images, target) and returning an Explanation or a Tensor.
enum MetricBuiltins {
    static var all: [Builtin] {
        [translate, regionPerturbation, translationContinuity, maxSensitivity, sparseness, complexity, compareMethods]
    }

    // MARK: Methods as explainers

    /// A method argument turned into an explainer on `call`'s model, with its display style.
    struct ResolvedMethod {
        let explainer: Explainer
        let style: ExplanationStyle
    }

    static let methodDoc = "the method: a method's name (\"deepTaylor\"), a Dictionary of its options ([\"method\": \"sensitivity\", \"exponent\": 4], \"name\" for the legend), or your own func (model, images, target: List) -> Explanation"

    static func resolveMethod(_ value: ScriptValue, argument: String, args: BoundArguments, call: MethodBuiltins.Call,
                              context: CallContext) throws -> ResolvedMethod {
        let ids = MethodCatalog.all.map { $0.declaration.id }
        func catalog(_ id: String, options: [String: OptionValue], name: String?) throws -> ResolvedMethod {
            guard let method = MethodCatalog.method(id) else {
                throw ScriptError(.value, "\(args.function): argument '\(argument)': no method named \"\(id)\"; the methods are "
                                  + ids.joined(separator: ", "), at: args.ranges[argument], suggestions: Suggestions.closest(to: id, among: ids))
            }
            let instance: any AttributionMethod
            do {
                instance = try method.make(call.explained, options: options)
            } catch let error as MethodError {
                throw ScriptError(.value, "\(args.function): argument '\(argument)': \(id): \(error.message)", at: args.ranges[argument])
            }
            var label = name ?? method.declaration.title
            if name == nil, !options.isEmpty {
                label += " (" + options.keys.sorted().map { "\($0) \(describe(options[$0]!))" }.joined(separator: ", ") + ")"
            }
            return ResolvedMethod(explainer: Explainer(instance, name: label), style: ExplanationStyle(instance.display))
        }
        switch value {
        case .string(let id):
            return try catalog(id, options: [:], name: nil)
        case .dictionary(let d):
            var id: String?
            var name: String?
            var options: [String: OptionValue] = [:]
            for (key, entry) in d.entries {
                switch key {
                case "method":
                    guard case .string(let s) = entry else { throw args.error(.type, argument, "has a \"method\" entry that is not a String") }
                    id = s
                case "name":
                    guard case .string(let s) = entry else { throw args.error(.type, argument, "has a \"name\" entry that is not a String") }
                    name = s
                default: options[key] = try MethodBuiltins.optionValue(entry, argument: argument, args: args, call: call)
                }
            }
            guard let id else {
                throw args.error(.value, argument, "is a Dictionary without a \"method\" entry naming the method")
            }
            return try catalog(id, options: options, name: name)
        case .function(let function):
            let model = call.model, images = call.images
            let labels = function.parameters.prefix(3).map(\.label)
            guard function.parameters.count >= 3 else {
                throw args.error(.type, argument, "is a function of \(function.parameters.count) parameters; it should take (model, images, target)")
            }
            let explainer = Explainer(name: function.name) { inputs, targets, _ in
                let batch = try ImageBatch(tensor: inputs.reshaped([inputs.shape[0], images.images.shape[1], images.height, images.width]),
                                           labels: nil, origin: "perturbed")
                var bound = try function.bind([(labels[0], .object(model), nil), (labels[1], .object(batch), nil),
                                               (labels[2], .list(targets.map { .int($0) }), nil)])
                let result = try function.body(&bound, context)
                switch result {
                case .object(let e as ExplanationValue): return e.explanation.attributions.reshaped(inputs.shape)
                case .tensor(let t) where t.count == inputs.count: return t.reshaped(inputs.shape)
                case let other:
                    throw ScriptError(.type, "\(function.name) returned \(other.typeName) \(other.repr.prefix(40)); a method for \(args.function) returns an Explanation or a Tensor of the images' shape")
                }
            }
            return ResolvedMethod(explainer: explainer, style: .signed)
        case let other:
            throw args.error(.type, argument, "must be a method's name, a Dictionary or a function, got \(other.typeName)")
        }
    }

    static func describe(_ value: OptionValue) -> String {
        switch value {
        case .none: return "nil"
        case .bool(let b): return "\(b)"
        case .int(let v): return "\(v)"
        case .double(let v): return ScriptValue.format(v)
        case .string(let s): return s
        case .tensor: return "tensor"
        case .list(let items): return "[" + items.map(describe).joined(separator: ", ") + "]"
        case .table: return "…"
        }
    }

    /// The method builtins' model, images, target, output and batchSize parameters.
    static func evaluationParameters(method: Bool = true) -> [BuiltinParameter] {
        var parameters = [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the classifier"),
            BuiltinParameter(nil, name: "images", type: "ImageBatch or Tensor", doc: "the images"),
        ]
        if method { parameters.append(BuiltinParameter("method", type: "String, Dictionary or Function", doc: methodDoc)) }
        parameters += [
            BuiltinParameter("target", type: "Int, List or String", default: .string("predicted"),
                             doc: "the class whose f is followed: \"predicted\" (of the unmodified images), \"label\", an Int or a List"),
            BuiltinParameter("output", type: "String", default: .string("logit"),
                             doc: "the explained scalar f: " + ExplainedOutput.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                                + " (chapters 5.1 and 5.2 use \"reluLogit\")"),
            BuiltinParameter("batchSize", type: "Int", default: .int(MethodBuiltins.defaultBatchSize), doc: "images per forward/backward pass"),
        ]
        return parameters
    }

    /// Runs `body`, turning method errors into ValueErrors naming the builtin.
    static func translating<T>(_ function: String, _ body: () throws -> T) throws -> T {
        try BindingErrors.translating(function) {
            do { return try body() } catch let error as MethodError { throw ScriptError(.value, "\(function): \(error.message)") }
        }
    }

    static func targets(_ call: MethodBuiltins.Call) -> [Int] {
        if case .classes(let c) = call.target { return c }
        if case .class(let c) = call.target { return [Int](repeating: c, count: call.images.count) }
        return call.predictions
    }

    // MARK: Builtins

    static let translate = Builtin(
        name: "translate",
        parameters: [
            BuiltinParameter(nil, name: "images", type: "ImageBatch", doc: "the images to move"),
            BuiltinParameter("dx", type: "Int", doc: "pixels to the right (negative: to the left)"),
            BuiltinParameter("dy", type: "Int", default: .int(0), doc: "pixels down (negative: up)"),
        ],
        returns: "ImageBatch",
        summary: "The images moved by whole pixels, the uncovered pixels filled with 0 (chapter 5.1 slides a digit from −20 to +20).",
        example: "let x = dataset(\"mnist\").train.perDigit(index: 3)[2]\nshow(stack([translate(x, dx: -5), x, translate(x, dx: 5)]))"
    ) { args, _ in
        let batch = try args.imageBatch("images")
        let moved = try translating("translate") { try ImageTranslation.translated(batch.images, dx: try args.int("dx"), dy: try args.int("dy")) }
        return .object(try ImageBatch(tensor: moved, labels: batch.labels, origin: batch.origin + " (translated)"))
    }

    static let regionPerturbation = Builtin(
        name: "regionPerturbation",
        parameters: evaluationParameters() + [
            BuiltinParameter("steps", type: "Int", default: .int(20), doc: "recorded scores: 0 … steps − 1 windows removed"),
            BuiltinParameter("patch", type: "Int", default: .int(4), doc: "the side of the square window removed each step"),
            BuiltinParameter("fill", type: "Double", default: .double(0), doc: "the value written into removed windows"),
            BuiltinParameter("order", type: "String", default: .string("mostRelevantFirst"),
                             doc: "\"mostRelevantFirst\" (the selectivity test) or \"leastRelevantFirst\""),
            BuiltinParameter("recompute", type: "Bool", default: .bool(true),
                             doc: "explain each modified image again (the reference); false ranks the windows of the first map"),
        ],
        returns: "Perturbation",
        summary: "Region perturbation (chapter 5.2's pixel flipping): remove the most relevant window step by step and record how fast f falls.",
        details: "Each step records f(x) for the original class, explains the current image, removes the patch×patch window with the "
            + "largest sum of the map (stride 1, never overlapping a window removed before; ties to the first in row-major order) by "
            + "writing fill into it. The result has .scores (Tensor [images, steps]), .average and .band (95 % confidence half-width) "
            + "per step, .auc (trapezoid of the average curve), .aopc (Samek et al.: mean of f(x⁰) − f(xᵏ) over k and images), "
            + ".windows, and .images(removed: k) (the images after k windows). From Samek et al. (2017), Evaluating the visualization "
            + "of what a deep neural network has learned, IEEE TNNLS 28(11).",
        example: "let run = regionPerturbation(net, xs, method: \"deepTaylor\", output: \"reluLogit\")\nplot(run.average, title: \"Pixel flipping\")"
    ) { args, context in
        let call = try MethodBuiltins.prepare(args, function: "regionPerturbation", context: context)
        let method = try resolveMethod(args.value("method"), argument: "method", args: args, call: call, context: context)
        let orderName = try args.string("order")
        guard let order = RegionPerturbation.Order(rawValue: orderName) else {
            let names = RegionPerturbation.Order.allCases.map(\.rawValue)
            throw ScriptError(.value, "regionPerturbation: argument 'order' must be " + names.map { "\"\($0)\"" }.joined(separator: " or ")
                              + ", got \"\(orderName)\"", at: args.ranges["order"], suggestions: Suggestions.closest(to: orderName, among: names))
        }
        let procedure = try translating("regionPerturbation") {
            try RegionPerturbation(steps: try args.positiveInt("steps"), patch: try args.positiveInt("patch"), fill: Float(try args.double("fill")),
                                   order: order, recompute: try args.bool("recompute"))
        }
        let result = try translating("regionPerturbation") {
            try procedure.run(model: call.explained, explainer: method.explainer, inputs: call.inputs, targets: targets(call),
                              monitor: context.workMonitor())
        }
        return .object(PerturbationValue(result: result, images: call.images, inputs: call.inputs))
    }

    static let translationContinuity = Builtin(
        name: "translationContinuity",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the classifier"),
            BuiltinParameter(nil, name: "image", type: "ImageBatch", doc: "one image (a batch of one)"),
            BuiltinParameter("method", type: "String, Dictionary or Function", doc: methodDoc),
            BuiltinParameter("shifts", type: "Range or List", default: .range(IntRange(lower: -20, upper: 21, closed: true)),
                             doc: "horizontal shifts in pixels (chapter 5.1: -20...20)"),
            BuiltinParameter("target", type: "Int or String", default: .string("predicted"),
                             doc: "the class explained at every shift: \"predicted\" (of the unshifted image), \"label\" or an Int"),
            BuiltinParameter("output", type: "String", default: .string("logit"), doc: "the explained scalar f (chapter 5.1: \"reluLogit\")"),
            BuiltinParameter("batchSize", type: "Int", default: .int(MethodBuiltins.defaultBatchSize), doc: "images per forward/backward pass"),
        ],
        returns: "Continuity",
        summary: "Explanation continuity (chapter 5.1): one image slid horizontally, its map at every shift, the quadrant sums and the continuity number.",
        details: "The result has .maps (an Explanation with one map per shift, shown as heat maps), .shifts, .outputs (f per shift), "
            + ".quadrants (Tensor [shifts, 4]: R1 top-left, R2 top-right, R3 bottom-right, R4 bottom-left), and .continuity = "
            + "max over pairs of shifts of ‖R(x) − R(x′)‖₁ / ‖x − x′‖₂ (smaller is more continuous), the number Montavon et al. "
            + "(2018), Section 7.1 define but the reference never computes.",
        example: "let run = translationContinuity(net, xs[2], method: \"deepTaylor\", output: \"reluLogit\")\nplot(run.quadrants, x: run.shifts)"
    ) { args, context in
        var renamed = args
        renamed.values["images"] = args.values["image"]
        renamed.ranges["images"] = args.ranges["image"]
        let call = try MethodBuiltins.prepare(renamed, function: "translationContinuity", context: context)
        guard call.images.count == 1 else { throw args.error(.value, "image", "has \(call.images.count) images; give one (xs[i])") }
        let method = try resolveMethod(args.value("method"), argument: "method", args: args, call: call, context: context)
        let shifts: [Int]
        switch args.value("shifts") {
        case .range(let r): shifts = Array(r.lower..<r.upper)
        default: shifts = try args.intList("shifts")
        }
        let procedure = try translating("translationContinuity") { try TranslationContinuity(shifts: shifts) }
        let result = try translating("translationContinuity") {
            try procedure.run(model: call.explained, explainer: method.explainer, image: call.inputs, target: targets(call)[0],
                              monitor: context.workMonitor())
        }
        return .object(try ContinuityValue(result: result, images: call.images, output: call.explained.output, style: method.style))
    }

    static let maxSensitivity = Builtin(
        name: "maxSensitivity",
        parameters: evaluationParameters() + [
            BuiltinParameter("samples", type: "Int", default: .int(10), doc: "noisy copies per image"),
            BuiltinParameter("radius", type: "Double", default: .double(0.02), doc: "noise drawn uniformly from [-radius, radius] per pixel"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "the noise's seed"),
        ],
        returns: "Dictionary",
        summary: "Max-sensitivity and average sensitivity (Yeh et al. 2019): how much the map changes, relative to its norm, under small noise.",
        details: "For each image, samples copies with uniform noise in [-radius, radius] are explained for the same class; returns "
            + "[\"maximum\": List, \"average\": List] of ‖Φ(x + δ) − Φ(x)‖₂ / ‖Φ(x)‖₂ per image (lower is more robust). Captum's "
            + "sensitivity_max uses the same radius by default. From Yeh et al. (2019), On the (in)fidelity and sensitivity of "
            + "explanations, NeurIPS.",
        example: "let s = maxSensitivity(net, xs, method: \"saliency\")\nprint(s[\"maximum\"])"
    ) { args, context in
        let call = try MethodBuiltins.prepare(args, function: "maxSensitivity", context: context)
        let method = try resolveMethod(args.value("method"), argument: "method", args: args, call: call, context: context)
        let procedure = try translating("maxSensitivity") {
            try MaxSensitivity(samples: try args.positiveInt("samples"), radius: Float(try args.double("radius")), seed: try args.seed("seed"))
        }
        let result = try translating("maxSensitivity") {
            try procedure.run(model: call.explained, explainer: method.explainer, inputs: call.inputs, targets: targets(call),
                              monitor: context.workMonitor())
        }
        return .dictionary(ScriptDictionary([("maximum", .list(result.maximum.map { .double(Double($0)) })),
                                             ("average", .list(result.average.map { .double(Double($0)) }))]))
    }

    /// The maps of an Explanation or a Tensor ([N, …]) argument.
    static func maps(_ args: BoundArguments, _ name: String) throws -> Tensor {
        switch args.value(name) {
        case .object(let e as ExplanationValue): return e.explanation.attributions
        case .tensor(let t):
            guard t.rank >= 2 else { return t.reshaped([1, t.count]) }
            return t
        case let other: throw args.error(.type, name, "must be an Explanation or a Tensor of maps, got \(other.typeName)")
        }
    }

    static let sparseness = Builtin(
        name: "sparseness",
        parameters: [BuiltinParameter(nil, name: "maps", type: "Explanation or Tensor", doc: "the maps, one per image")],
        returns: "List",
        summary: "The Gini index of each map's absolute values: 0 spread evenly, near 1 when a few pixels hold everything (Chalasani et al. 2020).",
        example: "print(sparseness(deepTaylor(net, xs)))"
    ) { args, _ in .list(Sparseness.perImage(try maps(args, "maps")).map { .double(Double($0)) }) }

    static let complexity = Builtin(
        name: "complexity",
        parameters: [BuiltinParameter(nil, name: "maps", type: "Explanation or Tensor", doc: "the maps, one per image")],
        returns: "List",
        summary: "The entropy (nats) of each map's share of absolute relevance per pixel: lower is simpler (Bhatt et al. 2020).",
        example: "print(complexity(saliency(net, xs)))"
    ) { args, _ in .list(Complexity.perImage(try maps(args, "maps")).map { .double(Double($0)) }) }

    /// The metrics `compareMethods` knows, in table order.
    static let metricNames = ["aopc", "auc", "maxSensitivity", "avgSensitivity", "sparseness", "complexity", "continuity"]

    static let compareMethods = Builtin(
        name: "compareMethods",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the classifier"),
            BuiltinParameter(nil, name: "images", type: "ImageBatch or Tensor", doc: "the images"),
            BuiltinParameter("methods", type: "List", doc: "the methods, each as for regionPerturbation's method"),
            BuiltinParameter("metrics", type: "List", default: .list(["aopc", "auc", "maxSensitivity", "sparseness", "complexity"].map { .string($0) }),
                             doc: "which scores: " + metricNames.map { "\"\($0)\"" }.joined(separator: ", ")),
            BuiltinParameter("target", type: "Int, List or String", default: .string("predicted"), doc: "the class explained"),
            BuiltinParameter("output", type: "String", default: .string("logit"), doc: "the explained scalar f"),
            BuiltinParameter("steps", type: "Int", default: .int(20), doc: "region perturbation: recorded scores"),
            BuiltinParameter("patch", type: "Int", default: .int(4), doc: "region perturbation: window side"),
            BuiltinParameter("samples", type: "Int", default: .int(10), doc: "sensitivity: noisy copies per image"),
            BuiltinParameter("radius", type: "Double", default: .double(0.02), doc: "sensitivity: noise radius"),
            BuiltinParameter("shifts", type: "Range or List", default: .range(IntRange(lower: -5, upper: 6, closed: true)), doc: "continuity: horizontal shifts"),
            BuiltinParameter("batchSize", type: "Int", default: .int(MethodBuiltins.defaultBatchSize), doc: "images per forward/backward pass"),
        ],
        returns: "Table",
        summary: "Every metric for every method on the same images, as one table (means over the images).",
        details: "aopc and auc come from region perturbation (most relevant first: higher AOPC and lower AUC are more selective); "
            + "maxSensitivity / avgSensitivity from Yeh et al. (lower is more robust); sparseness (Gini, higher is sparser) and "
            + "complexity (entropy, lower is simpler) of the maps of the unmodified images; continuity (translation, chapter 5.1, "
            + "lower is smoother) averaged over the images. A method is a name, a Dictionary of options or your own function.",
        example: "compareMethods(net, xs, methods: [\"sensitivity\", \"gradientTimesInput\", \"deepTaylor\"], output: \"reluLogit\")"
    ) { args, context in
        let call = try MethodBuiltins.prepare(args, function: "compareMethods", context: context)
        guard case .list(let methodValues) = args.value("methods"), !methodValues.isEmpty else {
            throw args.error(.value, "methods", "must be a non-empty List of methods")
        }
        let metrics = try args.strings("metrics")
        for metric in metrics where !metricNames.contains(metric) {
            throw ScriptError(.value, "compareMethods: argument 'metrics': no metric \"\(metric)\"; the metrics are "
                              + metricNames.joined(separator: ", "), at: args.ranges["metrics"],
                              suggestions: Suggestions.closest(to: metric, among: metricNames))
        }
        let classes = targets(call)
        let monitor = context.workMonitor()
        func mean(_ values: [Float]) -> Double { values.isEmpty ? 0 : values.reduce(0.0) { $0 + Double($1) } / Double(values.count) }
        var rows: [[TableCell]] = []
        for (index, value) in methodValues.enumerated() {
            let method = try resolveMethod(value, argument: "methods", args: args, call: call, context: context)
            monitor.progress(ProgressEvent(task: "compareMethods", completed: index, total: methodValues.count))
            var row: [TableCell] = [.text(method.explainer.name)]
            var perturbation: RegionPerturbation.Result?
            var sensitivity: MaxSensitivity.Result?
            var maps: Tensor?
            for metric in metrics {
                let score: Double = try translating("compareMethods") {
                    switch metric {
                    case "aopc", "auc":
                        if perturbation == nil {
                            perturbation = try RegionPerturbation(steps: try args.positiveInt("steps"), patch: try args.positiveInt("patch"))
                                .run(model: call.explained, explainer: method.explainer, inputs: call.inputs, targets: classes, monitor: monitor)
                        }
                        return Double(metric == "aopc" ? perturbation!.aopc : perturbation!.areaUnderCurve)
                    case "maxSensitivity", "avgSensitivity":
                        if sensitivity == nil {
                            sensitivity = try MaxSensitivity(samples: try args.positiveInt("samples"), radius: Float(try args.double("radius")))
                                .run(model: call.explained, explainer: method.explainer, inputs: call.inputs, targets: classes, monitor: monitor)
                        }
                        return mean(metric == "maxSensitivity" ? sensitivity!.maximum : sensitivity!.average)
                    case "sparseness", "complexity":
                        if maps == nil {
                            maps = try method.explainer.explain(call.inputs, classes, monitor)
                        }
                        return mean(metric == "sparseness" ? Sparseness.perImage(maps!) : Complexity.perImage(maps!))
                    default:
                        let shifts: [Int]
                        if case .range(let r) = args.value("shifts") { shifts = Array(r.lower..<r.upper) } else { shifts = try args.intList("shifts") }
                        let procedure = try TranslationContinuity(shifts: shifts)
                        var values: [Float] = []
                        for i in 0..<call.images.count {
                            values.append(try procedure.run(model: call.explained, explainer: method.explainer, image: call.inputs.rowsOf(i),
                                                            target: classes[i], monitor: monitor).continuity)
                        }
                        return mean(values)
                    }
                }
                row.append(.number(score))
            }
            rows.append(row)
        }
        monitor.progress(ProgressEvent(task: "compareMethods", completed: methodValues.count, total: methodValues.count, finished: true))
        let caption = "Metrics on \(call.images.count) image\(call.images.count == 1 ? "" : "s") of \(call.model.name), f = \(call.explained.output.symbol)"
        return .object(TableValue(try Table(columns: ["method"] + metrics, rows: rows, caption: caption)))
    }
}

extension Tensor {
    /// Row `i` of a batch as a batch of one.
    func rowsOf(_ i: Int) -> Tensor {
        let per = count / shape[0]
        var newShape = shape
        newShape[0] = 1
        return Tensor(shape: newShape, scalars: Array(scalars[(i * per)..<((i + 1) * per)]))
    }
}
