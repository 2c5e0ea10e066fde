import Foundation
import GlassboxEngine
import GlassboxFigures
import GlassboxMethods
import GlassboxModels

/// Feature visualisation in the language: `visualize` (the input a channel, unit, class or direction
/// likes most), `datasetExamples` (the images and patches that activate it most), `filters` (the
/// first layer's weights as images) and `semanticDictionary` (what fires where in one image).
enum FeatureBuiltins {
    static var all: [Builtin] { [visualize, datasetExamples, filters, semanticDictionary] }

    /// What a call asks to visualise: one layer, its objectives and their titles.
    struct Target {
        var layer: String
        var objectives: [FeatureVisualization.Objective]
        var titles: [String]
    }

    /// The parameters that say what is visualised, shared by `visualize` and `datasetExamples`.
    static let targetParameters: [BuiltinParameter] = [
        BuiltinParameter("layer", type: "String", default: .nil,
                         doc: "the layer whose output is maximised, e.g. \"conv2\" (before its ReLU) or \"fc1\"; nil with class: means the logits"),
        BuiltinParameter("channel", type: "Int or List", default: .nil,
                         doc: "the channel (or channels, one image each): the mean of its feature map over positions; for a dense layer, the unit"),
        BuiltinParameter("neuron", type: "List", default: .nil,
                         doc: "[y, x]: maximise the channel at this one position of a convolutional layer instead of its mean"),
        BuiltinParameter("class", type: "Int or List", default: .nil, doc: "a class (or classes) whose logit is maximised"),
        BuiltinParameter("direction", type: "Tensor or List", default: .nil,
                         doc: "a direction v in the layer's channel space ([C], or [D, C] for several): the mean over positions of ⟨a, v⟩"),
    ]

    static func target(_ args: BoundArguments, model: ModelValue) throws -> Target {
        let network = model.handle.network
        let given = ["channel", "class", "direction"].filter { !args.isNil($0) }
        guard given.count == 1 else {
            throw ScriptError(.value, "\(args.function): give exactly one of channel:, class: and direction:"
                              + (given.isEmpty ? "" : " (got \(given.map { "\($0):" }.joined(separator: " and ")))"),
                              at: given.count > 1 ? args.ranges[given[1]] : nil)
        }
        let layer: String
        if args.isNil("layer") {
            guard given[0] == "class" else { throw args.error(.value, "layer", "is needed with \(given[0]): (e.g. layer: \"conv2\")") }
            guard let last = network.layers.last(where: { $0.kind == .dense || $0.kind == .conv2d || $0.kind == .globalavgpool || $0.kind == .avgpool }) else {
                throw args.error(.value, "class", "needs the model's logits layer, and '\(model.name)' has none")
            }
            layer = last.name
        } else {
            layer = try PrototypeBuiltins.layerName(args, "layer", of: model)
        }
        let index = network.layers.firstIndex { $0.name == layer }!
        let shape = network.layerOutputShapes[index]
        let neuron = args.isNil("neuron") ? nil : try args.intList("neuron")
        if let neuron {
            guard neuron.count == 2 else { throw args.error(.value, "neuron", "must be [y, x], got \(neuron.count) values") }
            guard given[0] == "channel" else { throw args.error(.value, "neuron", "goes with channel: (the channel at that position)") }
            guard shape.count == 3 else { throw args.error(.value, "neuron", "needs a layer with positions; '\(layer)' outputs \(shape)") }
        }
        var objectives: [FeatureVisualization.Objective] = []
        var titles: [String] = []
        switch given[0] {
        case "channel", "class":
            let name = given[0]
            let list = try args.intList(name)
            guard !list.isEmpty else { throw args.error(.value, name, "is empty") }
            if let bad = list.first(where: { $0 < 0 || $0 >= shape[0] }) {
                throw args.error(.value, name, "\(bad) is outside 0..<\(shape[0]) ('\(layer)' has \(shape[0]) \(shape.count == 3 ? "channels" : "units"))")
            }
            for k in list {
                if let neuron {
                    guard (0..<shape[1]).contains(neuron[0]), (0..<shape[2]).contains(neuron[1]) else {
                        throw args.error(.value, "neuron", "[\(neuron[0]), \(neuron[1])] is outside the \(shape[1])×\(shape[2]) positions of '\(layer)'")
                    }
                    objectives.append(.neuron(k, y: neuron[0], x: neuron[1]))
                    titles.append("\(layer) · \(k) @ (\(neuron[0]), \(neuron[1]))")
                } else {
                    objectives.append(.channel(k))
                    titles.append(name == "class" ? "class \(k)" : "\(layer) · \(k)")
                }
            }
        default:
            let v = try args.tensor("direction")
            let rows = v.rank <= 1 ? 1 : v.shape[0]
            guard v.count == rows * shape[0], v.rank <= 2 else {
                throw args.error(.value, "direction", "must have \(shape[0]) values per direction ('\(layer)' has \(shape[0]) channels), got shape \(v.shape)")
            }
            for r in 0..<rows {
                objectives.append(.direction(Array(v.scalars[(r * shape[0])..<((r + 1) * shape[0])])))
                titles.append(rows == 1 ? "\(layer) · direction" : "\(layer) · direction \(r)")
            }
        }
        guard objectives.count <= ImageBatch.maximumShown else {
            throw args.error(.value, given[0], "asks for \(objectives.count) images; at most \(ImageBatch.maximumShown) at once")
        }
        return Target(layer: layer, objectives: objectives, titles: titles)
    }

    static let visualize = Builtin(
        name: "visualize",
        parameters: [BuiltinParameter(nil, name: "model", type: "Model", doc: "the model")] + targetParameters + [
            BuiltinParameter("steps", type: "Int", default: .int(256), doc: "Adam steps"),
            BuiltinParameter("learningRate", type: "Double", default: .double(0.05), doc: "Adam's learning rate"),
            BuiltinParameter("parametrization", type: "String", default: .string("fourier"),
                             doc: "\"fourier\" (a cosine basis with 1/f scaling: decorrelated pixels, smoother images) or \"pixels\"; images are σ(·), in [0, 1]"),
            BuiltinParameter("decay", type: "Double", default: .double(1), doc: "fourier: the power of 1/f (0 = every frequency alike)"),
            BuiltinParameter("jitter", type: "Int", default: .int(2), doc: "each step, shift each image by up to this many pixels (transformation robustness)"),
            BuiltinParameter("rotation", type: "Double", default: .double(10), doc: "each step, rotate by up to ± this many degrees"),
            BuiltinParameter("scale", type: "Double", default: .double(0.1), doc: "each step, scale by a factor in [1 − scale, 1 + scale]"),
            BuiltinParameter("tv", type: "Double", default: .double(0), doc: "weight of the total variation Σ|x_right − x| + |x_below − x|"),
            BuiltinParameter("l1", type: "Double", default: .double(0), doc: "weight of Σ|x| (a dark background)"),
            BuiltinParameter("blur", type: "Double", default: .double(0), doc: "weight of ½‖x − blur(x)‖², a penalty on high frequencies (blur: the 3×3 binomial filter)"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "seeds the start and the random transformations: a seed gives the same images"),
            BuiltinParameter("reportEvery", type: "Int", default: .int(64), doc: "report the cost to the progress bar every this many steps"),
            BuiltinParameter("liveEvery", type: "Int", default: .int(32), doc: "show the current images, updating in place, every this many steps; 0 = no live view"),
        ],
        returns: "ImageBatch",
        summary: FeatureVisualization.declaration.summary,
        details: "One image per channel (class, direction), optimised side by side; the result is an ImageBatch titled "
            + "\"conv2 · 12\" with .activations (each objective's value at its image) and .costs. The layer's output is taken "
            + "before its ReLU when you name the convolution (\"conv2\"), after it when you name the ReLU (\"relu2\"). Each step "
            + "the images are shifted, rotated and scaled a little at random so that what survives is what the unit responds "
            + "to, not a pattern that only works at one exact position. An interrupt keeps the images of the last completed step.",
        example: "let vis = visualize(net, layer: \"conv2\", channel: [0, 1, 2, 3])\nvis\nvisualize(net, class: 3, parametrization: \"pixels\")"
    ) { args, context in
        let model = try args.model("model")
        let target = try target(args, model: model)
        let steps = try args.int("steps")
        guard steps >= 0 else { throw args.error(.value, "steps", "must be ≥ 0, got \(steps)") }
        let learningRate = try args.double("learningRate")
        guard learningRate > 0, learningRate.isFinite else { throw args.error(.value, "learningRate", "must be a positive number") }
        let parametrizationName = try PrototypeBuiltins.choice(args, "parametrization", ["fourier", "pixels"]) ?? "fourier"
        let decay = try args.double("decay")
        guard decay >= 0, decay.isFinite else { throw args.error(.value, "decay", "must be ≥ 0") }
        let jitter = try args.int("jitter")
        guard jitter >= 0 else { throw args.error(.value, "jitter", "must be ≥ 0, got \(jitter)") }
        let rotation = try args.double("rotation"), scale = try args.double("scale")
        guard rotation >= 0, rotation <= 180 else { throw args.error(.value, "rotation", "must be in 0…180 degrees") }
        guard scale >= 0, scale < 1 else { throw args.error(.value, "scale", "must be in [0, 1)") }
        var weights: [Float] = []
        for name in ["tv", "l1", "blur"] {
            let w = try args.double(name)
            guard w >= 0, w.isFinite else { throw args.error(.value, name, "must be ≥ 0") }
            weights.append(Float(w))
        }
        let reportEvery = try args.positiveInt("reportEvery")
        let liveEvery = try args.int("liveEvery")
        guard liveEvery >= 0 else { throw args.error(.value, "liveEvery", "must be ≥ 0 (0 = no live view)") }
        let method = FeatureVisualization(
            model.handle.network, layer: target.layer, objectives: target.objectives, steps: steps, learningRate: Float(learningRate),
            parametrization: parametrizationName == "pixels" ? .pixels : .fourier(decay: Float(decay)),
            transforms: .init(jitter: jitter, degrees: Float(rotation), scale: Float(scale)),
            regularizers: .init(totalVariation: weights[0], l1: weights[1], blur: weights[2]), seed: try args.seed("seed"),
            reportEvery: reportEvery)
        let live = liveEvery > 0 ? LiveImages(context: context, function: "visualize", titles: target.titles) : nil
        let result = try BindingErrors.translating("visualize") {
            try method.run(monitor: context.workMonitor(), snapshotEvery: liveEvery,
                           snapshot: live.map { live in { snapshot in _ = try? live.update(snapshot) } })
        }
        let values = result.values.map(Double.init)
        let summary = values.map { NumberFormat.significant($0, digits: 4) }.joined(separator: ", ")
        if let stopped = result.stoppedAt {
            context.host.write("visualize: interrupted at step \(stopped) of \(steps); kept the images of the last completed step\n", to: .stderr)
            try live?.finish(result.images, caption: "interrupted at step \(stopped)/\(steps) · activations \(summary)")
        } else {
            try live?.finish(result.images, caption: "done: \(steps) steps · activations \(summary)")
        }
        var batch = try ImageBatch(tensor: result.images, labels: nil, origin: "visualisations of \(model.name) \(target.layer)")
        batch.titles = target.titles
        batch.search = SearchRecord(costs: result.costs.map { ($0.step, Double($0.cost)) }, stoppedAt: result.stoppedAt,
                                    step: result.stoppedAt ?? steps, objective: "−activation of \(target.layer)", values: values)
        return .object(batch)
    }

    static let datasetExamples = Builtin(
        name: "datasetExamples",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the model"),
            BuiltinParameter(nil, name: "images", type: "Dataset or ImageBatch", doc: "where to look (a Dataset means its train split; a few thousand images are plenty)"),
        ] + targetParameters + [
            BuiltinParameter("count", type: "Int", default: .int(6), doc: "how many images and patches per channel"),
            BuiltinParameter("beside", type: "ImageBatch", default: .nil, doc: "visualisations (from visualize) to draw first in each row, one per channel"),
            BuiltinParameter("batchSize", type: "Int", default: .int(500), doc: "images per forward pass"),
        ],
        returns: "DatasetExamples",
        summary: "The images that activate a channel (unit, class, direction) most, and the patches at its receptive field where one position fires most.",
        details: "Olah et al. pair every feature visualisation with such examples: the optimised image says what the unit responds to "
            + "in isolation, the examples what it responds to in real data. Images are ranked by the same objective as visualize "
            + "(the mean over positions); patches by the largest single position, cut at that position's receptive field (walked "
            + "back through the convolutions and pooling; zero outside the image). Shown as one row per channel: the visualisation "
            + "(with beside:), the images, the patches. .images, .patches (ImageBatches), .activations, .indices and .boxes read it.",
        example: "let vis = visualize(net, layer: \"conv2\", channel: [3, 12])\ndatasetExamples(net, mnist.train[0..<5000], layer: \"conv2\", channel: [3, 12], beside: vis)"
    ) { args, context in
        let model = try args.model("model")
        let images = try args.imageBatch("images", datasetSplit: "train")
        try ModelBuiltins.checkImages(images, fit: model, function: "datasetExamples", argument: "images", args: args)
        guard images.count > 0 else { throw args.error(.value, "images", "has no images") }
        let target = try target(args, model: model)
        let count = try args.positiveInt("count")
        guard count <= 50 else { throw args.error(.value, "count", "must be at most 50, got \(count)") }
        let beside = args.isNil("beside") ? nil : try args.imageBatch("beside")
        if let beside, beside.count != target.objectives.count {
            throw args.error(.value, "beside", "has \(beside.count) images for \(target.objectives.count) channels; give one per channel")
        }
        let network = model.handle.network
        let inputs = images.images.reshaped([images.count] + network.inputShape)
        let found = try BindingErrors.translating("datasetExamples") {
            try DatasetExamples.find(network, inputs: inputs, layer: target.layer, objectives: target.objectives, count: count,
                                     batchSize: try args.positiveInt("batchSize"), monitor: context.workMonitor())
        }
        return .object(try DatasetExamplesValue(found: found, source: images, inputs: inputs, titles: target.titles, beside: beside))
    }

    static let filters = Builtin(
        name: "filters",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the model"),
            BuiltinParameter("layer", type: "String", default: .nil, doc: "a convolution layer; nil = the first one"),
            BuiltinParameter("inputChannel", type: "Int", default: .int(0), doc: "which input channel's kernels (MNIST has one)"),
        ],
        returns: "ImageBatch",
        summary: "A convolution layer's filters as images: the classic picture of what the first layer looks for.",
        details: "One panel per output channel (its kernel for the input channel), in bwr with one symmetric range for all "
            + "(white is 0, red positive, blue negative), so strengths compare across filters. A first-layer filter is "
            + "what the layer correlates each 3×3 window with: edges and strokes at different orientations.",
        example: "filters(net)\nfilters(net, layer: \"conv2\", inputChannel: 5)"
    ) { args, _ in
        let model = try args.model("model")
        let network = model.handle.network
        let conv: Conv2D
        if args.isNil("layer") {
            guard let first = network.layers.first(where: { $0 is Conv2D }) as? Conv2D else {
                throw args.error(.value, "model", "'\(model.name)' has no convolution layer")
            }
            conv = first
        } else {
            let name = try PrototypeBuiltins.layerName(args, "layer", of: model)
            guard let layer = network.layer(named: name) as? Conv2D else {
                throw args.error(.value, "layer", "'\(name)' is a \(network.layer(named: name)!.kind.rawValue) layer, not a convolution")
            }
            conv = layer
        }
        let input = try args.int("inputChannel")
        guard (0..<conv.inChannels).contains(input) else {
            throw args.error(.value, "inputChannel", "\(input) is outside 0..<\(conv.inChannels) of '\(conv.name)'")
        }
        let (kh, kw) = conv.kernel
        let w = conv.weight.value
        var values = [Float](repeating: 0, count: conv.outChannels * kh * kw)
        for o in 0..<conv.outChannels {
            for j in 0..<(kh * kw) { values[o * kh * kw + j] = w.scalars[(o * conv.inChannels + input) * kh * kw + j] }
        }
        let largest = Double(values.map(abs).max() ?? 0)
        var batch = try ImageBatch(tensor: Tensor(shape: [conv.outChannels, 1, kh, kw], scalars: values), labels: nil,
                                   origin: "filters of \(model.name) \(conv.name)")
        batch.titles = (0..<conv.outChannels).map { "\($0)" }
        batch.colormap = .bwr
        batch.range = largest > 0 ? .fixed(-largest, largest) : nil
        batch.columns = min(conv.outChannels, 8)
        return .object(batch)
    }

    static let semanticDictionary = Builtin(
        name: "semanticDictionary",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the model"),
            BuiltinParameter(nil, name: "image", type: "ImageBatch", doc: "one image"),
            BuiltinParameter("layer", type: "String", doc: "a convolutional layer, e.g. \"conv2\" (or its ReLU, \"relu2\")"),
            BuiltinParameter("top", type: "Int", default: .int(3), doc: "channels per position"),
            BuiltinParameter("positions", type: "Int", default: .int(6), doc: "how many positions: those where the layer fires most (largest ‖a(y, x)‖)"),
            BuiltinParameter("steps", type: "Int", default: .int(128), doc: "steps of each channel's visualisation"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "seeds the visualisations"),
        ],
        returns: "SemanticDictionary",
        summary: "What fires where in one image: at each position of a layer, the channels that fire most, with their visualisations.",
        details: "As in \"The Building Blocks of Interpretability\" (Olah et al. 2018): the activation vector at a position is "
            + "read through the channels it is made of, each shown by its feature visualisation. Rows are the positions where "
            + "the layer fires most (largest norm), each with the image patch at its receptive field; .table lists position, "
            + "channel and activation for every row.",
        example: "semanticDictionary(net, mnist.test[0], layer: \"conv2\")"
    ) { args, context in
        let model = try args.model("model")
        let image = try args.imageBatch("image")
        try ModelBuiltins.checkImages(image, fit: model, function: "semanticDictionary", argument: "image", args: args)
        guard image.count == 1 else { throw args.error(.value, "image", "must be one image (e.g. mnist.test[0]), got \(image.count)") }
        let layer = try PrototypeBuiltins.layerName(args, "layer", of: model)
        let network = model.handle.network
        let shape = network.layerOutputShapes[network.layers.firstIndex { $0.name == layer }!]
        guard shape.count == 3 else { throw args.error(.value, "layer", "must have positions (a convolution or pooling layer); '\(layer)' outputs \(shape)") }
        let top = try args.positiveInt("top"), positions = try args.positiveInt("positions")
        guard top <= shape[0] else { throw args.error(.value, "top", "is more than the \(shape[0]) channels of '\(layer)'") }
        guard top * positions <= 60 else { throw args.error(.value, "top", "× positions must be at most 60 visualisations, got \(top * positions)") }
        let steps = try args.int("steps")
        guard steps >= 0 else { throw args.error(.value, "steps", "must be ≥ 0") }
        let input = image.images.reshaped([1] + network.inputShape)
        let a = try BindingErrors.translating("semanticDictionary") { try LayerActivations.truncated(network, at: layer).forward(input) }
        let (channels, hh, ww) = (shape[0], shape[1], shape[2])
        // Positions by the norm of their activation vector, largest first.
        var norms: [(p: Int, norm: Float)] = []
        for p in 0..<(hh * ww) {
            var s: Float = 0
            for c in 0..<channels { let v = a.scalars[c * hh * ww + p]; s += v * v }
            norms.append((p, s.squareRoot()))
        }
        let chosen = norms.sorted { $0.norm > $1.norm || ($0.norm == $1.norm && $0.p < $1.p) }.prefix(positions)
        var rows: [(y: Int, x: Int, box: DatasetExamples.Box, channels: [(Int, Float)])] = []
        for (p, _) in chosen {
            let values = (0..<channels).map { (c: $0, v: a.scalars[$0 * hh * ww + p]) }
            let best = values.sorted { $0.v > $1.v || ($0.v == $1.v && $0.c < $1.c) }.prefix(top).map { ($0.c, $0.v) }
            let box = try BindingErrors.translating("semanticDictionary") {
                try DatasetExamples.receptiveField(network, layer: layer, y: p / ww, x: p % ww)
            }
            rows.append((p / ww, p % ww, box, best))
        }
        var unique: [Int] = []
        for row in rows { for (c, _) in row.channels where !unique.contains(c) { unique.append(c) } }
        let method = FeatureVisualization(network, layer: layer, objectives: unique.map { .channel($0) }, steps: steps,
                                          seed: try args.seed("seed"))
        let vis = try BindingErrors.translating("semanticDictionary") { try method.run(monitor: context.workMonitor()) }
        return .object(try SemanticDictionaryValue(layer: layer, image: image, rows: rows, channels: unique, visualizations: vis.images))
    }
}

/// The result of `datasetExamples`: per channel, the top images and patches.
public struct DatasetExamplesValue: ScriptObject {
    let found: [DatasetExamples.Found]
    let titles: [String]
    /// Every channel's top images, channel after channel, titled with their activation.
    let images: ImageBatch
    /// Every channel's patches, channel after channel.
    let patches: ImageBatch
    let beside: ImageBatch?
    let count: Int

    init(found: [DatasetExamples.Found], source: ImageBatch, inputs: Tensor, titles: [String], beside: ImageBatch?) throws {
        self.found = found
        self.titles = titles
        self.beside = beside
        count = found.map { $0.images.count }.max() ?? 0
        let indices = found.flatMap { $0.images.map(\.index) }
        var images = try source.selecting(indices, origin: "dataset examples from \(source.origin)")
        images.titles = found.flatMap { $0.images.map { NumberFormat.significant(Double($0.value), digits: 3) } }
        self.images = images
        let boxes = found.flatMap { $0.patches.compactMap(\.box) }
        let size = boxes.first.map { ($0.height, $0.width) } ?? (source.height, source.width)
        var values: [Float] = []
        for f in found {
            for p in f.patches {
                let box = p.box ?? DatasetExamples.Box(top: 0, left: 0, height: source.height, width: source.width)
                var patch = DatasetExamples.crop(inputs, index: p.index, box: box).scalars
                if box.height != size.0 || box.width != size.1 { patch = Array(repeating: 0, count: size.0 * size.1) }
                values += patch.prefix(size.0 * size.1)
            }
        }
        let patchCount = found.reduce(0) { $0 + $1.patches.count }
        var patches = try ImageBatch(tensor: Tensor(shape: [patchCount, 1, size.0, size.1], scalars: values), labels: nil,
                                     origin: "patches from \(source.origin)")
        patches.titles = found.flatMap { $0.patches.map { NumberFormat.significant(Double($0.value), digits: 3) } }
        self.patches = patches
    }

    public var typeName: String { "DatasetExamples" }
    public var propertyNames: [String] { ["images", "patches", "activations", "indices", "boxes", "count"] }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "images": return .object(images)
        case "patches": return .object(patches)
        case "activations": return .list(found.map { .list($0.images.map { .double(Double($0.value)) }) })
        case "indices": return .list(found.map { .list($0.images.map { .int($0.index) }) })
        case "boxes":
            return .list(found.map { .list($0.patches.map { p in
                p.box.map { .list([.int(p.index), .int($0.top), .int($0.left), .int($0.height), .int($0.width)]) } ?? .nil
            }) })
        case "count": return .int(found.count)
        default: return nil
        }
    }

    public var textDescription: String {
        "DatasetExamples: " + zip(titles, found).map { title, f in
            "\(title): images " + f.images.map { "\($0.index) (\(NumberFormat.significant(Double($0.value), digits: 3)))" }.joined(separator: ", ")
        }.joined(separator: "; ")
    }

    /// One row per channel: [its visualisation,] the images, the patches.
    public func richOutput() throws -> RichOutput? {
        let k = count
        let columns = (beside == nil ? 0 : 1) + 2 * k
        var panels: [ImagePanel?] = []
        func panel(_ batch: ImageBatch, _ i: Int, title: String?) throws -> ImagePanel {
            let stride = batch.height * batch.width
            let values = Array(batch.images.scalars[(i * stride)..<((i + 1) * stride)])
            return ImagePanel(image: try PanelImage(values: values, width: batch.width, height: batch.height, colormap: .gray),
                              title: title, showsColorbar: false, showsTicks: false)
        }
        var imageIndex = 0, patchIndex = 0
        for (row, f) in found.enumerated() {
            if let beside { panels.append(try panel(beside, row, title: titles[row])) }
            for column in 0..<k {
                if column < f.images.count {
                    panels.append(try panel(images, imageIndex, title: column == 0 && beside == nil ? "\(titles[row]): \(images.titles![imageIndex])" : images.titles![imageIndex]))
                    imageIndex += 1
                } else { panels.append(nil) }
            }
            for column in 0..<k {
                if column < f.patches.count {
                    panels.append(try panel(patches, patchIndex, title: "patch " + patches.titles![patchIndex]))
                    patchIndex += 1
                } else { panels.append(nil) }
            }
        }
        let figure = try BindingErrors.translating("datasetExamples") {
            try ImageGridFigure(rows: found.count, columns: columns, panels: panels, panelSize: 64)
        }
        return try ImageGridRendering.output(figure, text: textDescription, function: "datasetExamples")
    }
}

/// The result of `semanticDictionary`: rows of (position, patch, top channels with visualisations).
public struct SemanticDictionaryValue: ScriptObject {
    let layer: String
    let rows: [(y: Int, x: Int, box: DatasetExamples.Box, channels: [(Int, Float)])]
    let channels: [Int]
    let patches: Tensor
    let visualizations: Tensor
    let patchSize: (Int, Int)
    let imageSize: (Int, Int)

    init(layer: String, image: ImageBatch, rows: [(y: Int, x: Int, box: DatasetExamples.Box, channels: [(Int, Float)])],
         channels: [Int], visualizations: Tensor) throws {
        self.layer = layer
        self.rows = rows
        self.channels = channels
        self.visualizations = visualizations
        let size = rows.first.map { ($0.box.height, $0.box.width) } ?? (image.height, image.width)
        patchSize = size
        imageSize = (image.height, image.width)
        var values: [Float] = []
        for row in rows {
            values += DatasetExamples.crop(image.images, index: 0, box: row.box).scalars.prefix(size.0 * size.1)
        }
        patches = Tensor(shape: [rows.count, 1, size.0, size.1], scalars: values)
    }

    public var typeName: String { "SemanticDictionary" }
    public var propertyNames: [String] { ["table", "channels", "visualizations", "patches"] }

    func table() throws -> Table {
        var cells: [[TableCell]] = []
        for row in rows {
            for (rank, (c, v)) in row.channels.enumerated() {
                cells.append([.text("(\(row.y), \(row.x))"), .integer(rank + 1), .integer(c), .number(Double(v))])
            }
        }
        return try Table(columns: ["position", "rank", "channel", "activation"], rows: cells,
                         caption: "Semantic dictionary of \(layer): the channels that fire most where the layer fires most")
    }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "table": return .object(TableValue(try table()))
        case "channels": return .list(channels.map { .int($0) })
        case "visualizations":
            var batch = try ImageBatch(tensor: visualizations, labels: nil, origin: "visualisations of \(layer)")
            batch.titles = channels.map { "\(layer) · \($0)" }
            return .object(batch)
        case "patches": return .object(try ImageBatch(tensor: patches, labels: nil, origin: "receptive fields"))
        default: return nil
        }
    }

    public var textDescription: String {
        "SemanticDictionary of \(layer): " + rows.map { row in
            "(\(row.y), \(row.x)): " + row.channels.map { "\($0.0) (\(NumberFormat.significant(Double($0.1), digits: 3)))" }.joined(separator: ", ")
        }.joined(separator: "; ")
    }

    public func richOutput() throws -> RichOutput? {
        let top = rows.map(\.channels.count).max() ?? 0
        var panels: [ImagePanel?] = []
        let per = imageSize.0 * imageSize.1
        for (r, row) in rows.enumerated() {
            let patch = Array(patches.scalars[(r * patchSize.0 * patchSize.1)..<((r + 1) * patchSize.0 * patchSize.1)])
            panels.append(ImagePanel(image: try PanelImage(values: patch, width: patchSize.1, height: patchSize.0, colormap: .gray),
                                     title: "(\(row.y), \(row.x))", showsColorbar: false, showsTicks: false))
            for k in 0..<top {
                guard k < row.channels.count, let index = channels.firstIndex(of: row.channels[k].0) else { panels.append(nil); continue }
                let values = Array(visualizations.scalars[(index * per)..<((index + 1) * per)])
                panels.append(ImagePanel(image: try PanelImage(values: values, width: imageSize.1, height: imageSize.0, colormap: .gray),
                                         title: "\(row.channels[k].0): " + NumberFormat.significant(Double(row.channels[k].1), digits: 3),
                                         showsColorbar: false, showsTicks: false))
            }
        }
        let figure = try BindingErrors.translating("semanticDictionary") {
            try ImageGridFigure(rows: rows.count, columns: 1 + top, panels: panels, panelSize: 72)
        }
        var output = try ImageGridRendering.output(figure, text: textDescription, function: "semanticDictionary")
        if let png = output.png {
            output.html = "<div class=\"glassbox-semantic-dictionary\">"
                + "<img src=\"data:image/png;base64,\(Data(png.bytes).base64EncodedString())\" width=\"\(png.width)\" "
                + "alt=\"semantic dictionary of \(HTMLText.escape(layer))\" style=\"max-width:100%;height:auto\"/>\n"
                + (try table().html()) + "</div>"
        }
        return output
    }
}
