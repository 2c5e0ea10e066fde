import GlassboxEngine
import GlassboxFigures
import GlassboxMethods
import GlassboxModels

/// `learnPatterns` and `patternQuality`: the signal patterns PatternNet and PatternAttribution explain
/// with, learned from data and kept with the model (`save(net, to: …)` writes them beside the model
/// file, `load` and `model` read them back).
enum PatternBuiltins {
    static var all: [Builtin] { [learnPatterns, patternQuality] }

    /// The first `images` images of the argument (all when nil), shaped for the model.
    static func images(_ args: BoundArguments, _ model: ModelValue, argument: String, count: Int?, function: String) throws -> Tensor {
        let batch = try args.imageBatch(argument, datasetSplit: "train")
        try ModelBuiltins.checkImages(batch, fit: model, function: function, argument: argument, args: args)
        let n = Swift.min(count ?? batch.count, batch.count)
        guard n >= 2 else { throw args.error(.value, argument, "needs at least 2 images, has \(batch.count)") }
        let part = n == batch.count ? batch : try batch.selecting(Array(0..<n), origin: batch.origin)
        return part.images.reshaped([n] + model.handle.network.inputShape)
    }

    static let learnPatterns = Builtin(
        name: "learnPatterns",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the model whose dense and conv layers get patterns"),
            BuiltinParameter(nil, name: "data", type: "Dataset or ImageBatch", doc: "the images to learn from; a Dataset means its train split"),
            BuiltinParameter("images", type: "Int", default: .nil, doc: "use only the first this many images (all when nil)"),
            BuiltinParameter("batchSize", type: "Int", default: .int(PatternLearning.defaultBatchSize), doc: "images per forward pass"),
        ],
        returns: "Table",
        summary: "Learns the signal patterns a₊, a₋ = cov[x, y] / σ²_y of every dense and conv layer in one pass over the images, for patternNet and patternAttribution.",
        details: "The patterns are kept with the model (until its weights change: training it again makes them stale, and the methods say so); "
            + "save(net, to: \"net.safetensors\") also writes net.patterns.safetensors, which load and model read back, checking each shape. "
            + "The table lists, per layer, its units and the share of outputs that were positive (the a₊ regime).",
        example: "learnPatterns(net, mnist.train, images: 10000)\npatternAttribution(net, xs)"
    ) { args, context in
        let model = try args.model("model")
        let count = try args.optionalInt("images")
        if let count, count < 2 { throw args.error(.value, "images", "must be at least 2, got \(count)") }
        let inputs = try images(args, model, argument: "data", count: count, function: "learnPatterns")
        let batchSize = try args.positiveInt("batchSize")
        let network = model.handle.network
        let patterns = try BindingErrors.translating("learnPatterns") {
            try PatternLearning.learn(network, images: inputs, batchSize: batchSize, monitor: context.workMonitor())
        }
        network.signalPatterns = patterns
        let rows: [[TableCell]] = patterns.layers.map { pattern in
            let layer = network.layer(named: pattern.layer)
            return [.text(pattern.layer), .text(layer?.kind.rawValue ?? ""), .integer(pattern.positive.shape[0]),
                    .integer(pattern.positive.count / Swift.max(pattern.positive.shape[0], 1)), .percent(pattern.positiveShare)]
        }
        return .object(TableValue(try BindingErrors.translating("learnPatterns") {
            try GlassboxFigures.Table(columns: ["layer", "kind", "units", "inputs per unit", "outputs > 0"], rows: rows,
                                      caption: "Signal patterns of \(model.name), learned on \(patterns.images) images")
        }))
    }

    static let patternQuality = Builtin(
        name: "patternQuality",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "a model with learned patterns (learnPatterns)"),
            BuiltinParameter(nil, name: "data", type: "Dataset or ImageBatch", doc: "images to measure on (held-out images: mnist.test); a Dataset means its train split"),
            BuiltinParameter("images", type: "Int", default: .int(200), doc: "use the first this many images"),
            BuiltinParameter("units", type: "Int", default: .int(8), doc: "units measured per layer, evenly spaced"),
            BuiltinParameter("rows", type: "Int", default: .int(4096), doc: "at most this many rows (inputs or patches) per layer, evenly spaced; half fit, half measure"),
        ],
        returns: "Table",
        summary: "The signal-estimator quality ρ = 1 − max_v corr(wᵀx, vᵀ(x − S(x))) per layer, for the filter direction and for the learned patterns.",
        details: "ρ near 1: what the estimator calls distractor holds nothing that correlates with the output; near 0: the signal is still in it. "
            + "The maximum over v is a ridge regression fitted on half of the rows and measured on the other half.",
        example: "patternQuality(net, mnist.test, images: 200)"
    ) { args, context in
        let model = try args.model("model")
        let network = model.handle.network
        guard let patterns = network.signalPatterns else {
            throw args.error(.value, "model", "has no signal patterns: learn them first with learnPatterns(net, mnist.train)")
        }
        let inputs = try images(args, model, argument: "data", count: try args.positiveInt("images"), function: "patternQuality")
        let units = try args.positiveInt("units")
        let rows = try args.positiveInt("rows")
        let quality = try BindingErrors.translating("patternQuality") { () throws -> [PatternQuality.LayerQuality] in
            do {
                return try PatternQuality.measure(network, patterns: patterns, images: inputs, units: units, maxRows: rows,
                                                  monitor: context.workMonitor())
            } catch let error as PatternError {
                throw ScriptError(.value, "patternQuality: \(error.description)")
            }
        }
        let cells: [[TableCell]] = quality.map {
            [.text($0.layer), .integer($0.units), .integer($0.rows), .integer($0.inputs), .number($0.filter), .number($0.pattern)]
        }
        return .object(TableValue(try BindingErrors.translating("patternQuality") {
            try GlassboxFigures.Table(columns: ["layer", "units", "rows", "inputs", "ρ filter", "ρ pattern"], rows: cells,
                                      caption: "Signal-estimator quality of \(model.name) on \(inputs.shape[0]) images (1 is best)")
        }))
    }
}
