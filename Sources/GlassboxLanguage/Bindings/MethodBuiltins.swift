import GlassboxFigures
import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// The explanation methods: sensitivity, saliency, gradientTimesInput, deconvnet, guidedBackprop,
/// integratedGradients, smoothGrad, and classPrototypes.
enum MethodBuiltins {
    static var all: [Builtin] {
        [sensitivity, saliency, gradientTimesInput, deconvnet, guidedBackprop, integratedGradients, smoothGrad, classPrototypes,
         strongestChannels]
    }

    static let outputNames: [String: ExplainedOutput] = [
        "logit": .logit, "probability": .probability, "reluLogit": .reluLogit, "allLogits": .allLogitsSum,
    ]

    /// Parameters every method takes: model, images, target, output, layer, batchSize.
    static func common(output: String = "logit", layer: Bool = false) -> [BuiltinParameter] {
        var parameters = [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the classifier to explain"),
            BuiltinParameter(nil, name: "images", type: "ImageBatch or Tensor", doc: "the images to explain"),
            BuiltinParameter("target", type: "Int, List or String", default: .string("predicted"),
                             doc: "the class (or channel) explained: \"predicted\" (each image's predicted class), \"label\" (each image's true digit, the reference chapters' choice), an Int for all images, or a List (one per image); with layer, the channel (an Int or a List)"),
            BuiltinParameter("output", type: "String", default: .string(output),
                             doc: "the explained scalar: \"logit\" (S_c), \"probability\" (p_c), \"reluLogit\" (ReLU(S_c)) or \"allLogits\" (Σ S)"),
        ]
        if layer {
            parameters.append(BuiltinParameter("layer", type: "String", default: .nil,
                                               doc: "explain a channel of this layer (e.g. \"pool3\") instead of a class; target gives the channel"))
        }
        parameters.append(BuiltinParameter("batchSize", type: "Int", default: .int(64), doc: "images (or path points) per backward pass"))
        return parameters
    }

    /// The model, inputs and targets of a method call, checked.
    struct Call {
        let model: ModelValue
        let images: ImageBatch
        let inputs: Tensor
        let explained: ExplainedModel
        let target: Target
        let predictions: [Int]
    }

    static func prepare(_ args: BoundArguments, function: String, context: CallContext) throws -> Call {
        let model = try args.model("model")
        let images = try args.imageBatch("images")
        try ModelBuiltins.checkImages(images, fit: model, function: function, argument: "images", args: args)
        guard images.count > 0 else { throw args.error(.value, "images", "has no images") }
        let outputName = try args.string("output")
        guard let output = outputNames[outputName] else {
            throw ScriptError(.value, "\(function): argument 'output' must be one of " + outputNames.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                              + ", got \"\(outputName)\"", at: args.ranges["output"],
                              suggestions: Suggestions.closest(to: outputName, among: Array(outputNames.keys)))
        }
        let batchSize = try args.positiveInt("batchSize")
        let network = model.handle.network
        let explained = try BindingErrors.translating(function) { try ExplainedModel(network, output: output, batchSize: batchSize) }
        let inputs = images.images.reshaped([images.count] + network.inputShape)
        let layer = args.values["layer"].flatMap { if case .string(let s) = $0 { return s } else { return nil } }
        if let layer, network.layer(named: layer) == nil {
            let names = network.layers.map(\.name)
            throw ScriptError(.value, "\(function): argument 'layer': model '\(model.name)' has no layer '\(layer)'; its layers are "
                              + names.joined(separator: ", "), at: args.ranges["layer"], suggestions: Suggestions.closest(to: layer, among: names))
        }
        // nil means the predicted classes, taken from the forward pass below (which the explanation
        // also shows), so the method does not run the images forward a second time to find them.
        let target: Target?
        let value = args.value("target")
        let namesAClass: Bool
        switch value {
        case .nil, .string("predicted"), .string("label"): namesAClass = true
        default: namesAClass = false
        }
        if layer != nil, namesAClass {
            throw args.error(.value, "target", "must give the channel to explain (an Int or a List) when 'layer' is set")
        }
        switch value {
        case .nil, .string("predicted"): target = nil
        case .string("label"):
            guard let labels = images.labels else { throw args.error(.value, "target", "is \"label\" but the images have no labels") }
            target = .classes(labels)
        case .int(let c): target = layer.map { .channel(c, layer: $0) } ?? .class(c)
        case .list:
            let list = try args.intList("target")
            guard list.count == images.count else {
                throw args.error(.value, "target", "has \(list.count) entries for \(images.count) images; give one per image or a single Int")
            }
            target = layer.map { .channels(list, layer: $0) } ?? .classes(list)
        case let other:
            throw args.error(.type, "target", "must be an Int, a List of Ints, \"label\" or \"predicted\", got \(other.typeName) \(other.repr.prefix(30))")
        }
        let logits = try ModelBuiltins.forward(model, images, function: function, context: context)
        let predictions = try logits.argmax(alongAxis: 1)
        return Call(model: model, images: images, inputs: inputs, explained: explained, target: target ?? .classes(predictions),
                    predictions: predictions)
    }

    /// Runs a method and wraps its explanation.
    static func run(_ function: String, _ args: BoundArguments, _ context: CallContext, style: ExplanationStyle,
                    _ body: (Call, WorkMonitor) throws -> Explanation) throws -> ScriptValue {
        let call = try prepare(args, function: function, context: context)
        let explanation = try BindingErrors.translating(function) { try body(call, context.workMonitor()) }
        return .object(ExplanationValue(explanation, images: call.images, predictions: call.predictions, style: style))
    }

    static let sensitivity = Builtin(
        name: "sensitivity",
        parameters: common(layer: true) + [BuiltinParameter("exponent", type: "Int", default: .int(2), doc: "the power of the gradient (2 by definition; 4 reproduces chapter 5.1)")],
        returns: "Explanation",
        summary: "Sensitivity analysis (chapter 2.1): R = (∂f/∂x)², how much each pixel's change would change the output.",
        details: "Shown as the reference does: a 'hot' heat map over the digit at alpha 0.5, with a colorbar. With layer: "
            + "the sensitivity of the sum of that layer's channel `target`.",
        example: "let e = sensitivity(net, xs)\nshow(e)"
    ) { args, context in
        let exponent = try args.int("exponent")
        return try run("sensitivity", args, context, style: .squaredOverInput) { call, monitor in
            try SensitivityAnalysis(call.explained, exponent: exponent).attribute(call.inputs, targets: call.target, monitor: monitor)
        }
    }

    static let saliency = Builtin(
        name: "saliency",
        parameters: common(layer: true) + [BuiltinParameter("absolute", type: "Bool", default: .bool(true), doc: "the absolute value of the gradient (chapter 3.2); false keeps its sign")],
        returns: "Explanation",
        summary: "Gradient saliency (chapter 3.2): |∂f/∂x| (or the signed gradient with absolute: false).",
        details: "Chapter 3.2 differentiates the sum of all logits: pass output: \"allLogits\" to reproduce it. With layer: "
            + "the gradient of the sum of that layer's channel `target` (as deconvnet and guidedBackprop do). Shown in gray "
            + "(absolute) or bwr (signed) with a colorbar.",
        example: "saliency(net, xs)\nsaliency(net, xs, output: \"allLogits\")\nsaliency(net, xs[0], target: 45, layer: \"pool3\")"
    ) { args, context in
        let absolute = try args.bool("absolute")
        return try run("saliency", args, context, style: absolute ? .gray : .signed) { call, monitor in
            try Saliency(call.explained, absolute: absolute).attribute(call.inputs, targets: call.target, monitor: monitor)
        }
    }

    static let gradientTimesInput = Builtin(
        name: "gradientTimesInput",
        parameters: common(layer: true),
        returns: "Explanation",
        summary: "Simple Taylor decomposition (chapter 2.2): R = x ⊙ ∂f/∂x; for a bias-free ReLU net the map sums to f(x).",
        details: "Shown as the reference does: a bwr heat map over the digit at alpha 0.5, symmetric range, colorbar. With layer: "
            + "x ⊙ the gradient of the sum of that layer's channel `target`.",
        example: "let e = gradientTimesInput(net, xs)\ne.sums\ne.outputs"
    ) { args, context in
        try run("gradientTimesInput", args, context, style: .signedOverInput) { call, monitor in
            try GradientTimesInput(call.explained).attribute(call.inputs, targets: call.target, monitor: monitor)
        }
    }

    static let deconvnet = Builtin(
        name: "deconvnet",
        parameters: common(layer: true),
        returns: "Explanation",
        summary: "Deconvnet projection (chapter 3.1): the backward pass with every ReLU replaced by max(g, 0).",
        details: "Chapter 3.1 projects a feature map: deconvnet(net, xs[0], target: 45, layer: \"pool3\"). Shown in gray.",
        example: "deconvnet(net, xs)\ndeconvnet(net, xs[0], target: 45, layer: \"pool3\")"
    ) { args, context in
        try run("deconvnet", args, context, style: .gray) { call, monitor in
            try Deconvnet(call.explained).attribute(call.inputs, targets: call.target, monitor: monitor)
        }
    }

    static let guidedBackprop = Builtin(
        name: "guidedBackprop",
        parameters: common(layer: true),
        returns: "Explanation",
        summary: "Guided backpropagation (chapter 3.3): ReLUs pass only positive signals where the forward output was positive.",
        details: "Shown as the reference does: gray maps with a colorbar.",
        example: "guidedBackprop(net, xs)"
    ) { args, context in
        try run("guidedBackprop", args, context, style: .gray) { call, monitor in
            try GuidedBackprop(call.explained).attribute(call.inputs, targets: call.target, monitor: monitor)
        }
    }

    /// Parses a `baseline:` argument.
    static func baseline(_ args: BoundArguments, images: ImageBatch) throws -> IntegratedGradients.Baseline {
        switch args.value("baseline") {
        case .nil: return .zeros
        case .int, .double: return .constant(Float(try args.double("baseline")))
        case .string("zeros"): return .zeros
        case .string("mean"): return .meanImage(of: images.images)
        case .object(let batch as ImageBatch): return .image(batch.images)
        case .tensor(let t): return .image(t)
        case let other:
            throw args.error(.type, "baseline", "must be a number, \"zeros\", \"mean\" (of the images), an ImageBatch or a Tensor, got \(other.typeName)")
        }
    }

    static let integratedGradients = Builtin(
        name: "integratedGradients",
        parameters: common() + [
            BuiltinParameter("steps", type: "Int", default: .int(50), doc: "intervals on the path from the baseline to the image (chapter 3.4 uses 100)"),
            BuiltinParameter("baseline", type: "Any", default: .nil, doc: "nil or \"zeros\" (black), a number (constant image), \"mean\" (mean of the images), or an image"),
            BuiltinParameter("rule", type: "String", default: .string("riemann"), doc: "\"riemann\" (right Riemann sum, the reference) or \"trapezoid\""),
            BuiltinParameter("samples", type: "Int", default: .nil, doc: "SmoothGrad each path point over this many noisy copies (nil = off)"),
            BuiltinParameter("noise", type: "Double", default: .double(0.1), doc: "with samples: σ relative to each path point's value range"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "with samples: seeds the noise"),
        ],
        returns: "Explanation",
        summary: "Integrated gradients (chapters 3.4, 3.5): (x − b) ⊙ the mean gradient along the straight path from b to x.",
        details: "Completeness: e.sums ≈ e.outputs − e.baselineOutputs. Chapter 3.4 explains the probability: "
            + "integratedGradients(net, xs, output: \"probability\", steps: 100). Shown in gray with a colorbar.",
        example: "let e = integratedGradients(net, xs, steps: 100, output: \"probability\")\ne.sums"
    ) { args, context in
        let steps = try args.positiveInt("steps")
        let ruleName = try args.string("rule")
        let rules: [String: IntegratedGradients.Rule] = ["riemann": .rightRiemann, "trapezoid": .trapezoid]
        guard let rule = rules[ruleName] else {
            throw ScriptError(.value, "integratedGradients: argument 'rule' must be \"riemann\" or \"trapezoid\", got \"\(ruleName)\"",
                              at: args.ranges["rule"], suggestions: Suggestions.closest(to: ruleName, among: Array(rules.keys)))
        }
        let samples = try args.optionalInt("samples")
        if let samples, samples < 1 { throw args.error(.value, "samples", "must be at least 1, got \(samples)") }
        let noise = Float(try args.double("noise"))
        let seed = try args.seed("seed")
        return try run("integratedGradients", args, context, style: .gray) { call, monitor in
            let baseline = try baseline(args, images: call.images)
            return try IntegratedGradients(call.explained, steps: steps, baseline: baseline, rule: rule, smoothSamples: samples,
                                           smoothNoise: .relative(noise), seed: seed)
                .attribute(call.inputs, targets: call.target, monitor: monitor)
        }
    }

    static let smoothGrad = Builtin(
        name: "smoothGrad",
        parameters: common() + [
            BuiltinParameter("samples", type: "Int", default: .int(50), doc: "noisy copies per image (N)"),
            BuiltinParameter("noise", type: "Double", default: .double(0.1), doc: "σ relative to each image's value range (max − min)"),
            BuiltinParameter("sigma", type: "Double", default: .nil, doc: "an absolute σ instead (chapter 3.5 uses 0.2)"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "seeds the noise: the same seed gives the same map"),
            BuiltinParameter("runningAverages", type: "List", default: .nil,
                             doc: "counts n (e.g. [10, 20, 30]): one map per count, the average of the first n samples (samples defaults to the largest)"),
        ],
        returns: "Explanation",
        summary: "SmoothGrad (chapter 3.5): the gradient averaged over noisy copies of each image.",
        details: "Shown as the reference does: bwr, symmetric range, with a colorbar. With runningAverages: the result holds, "
            + "for each count n in order, the maps of every image after the first n noisy samples (one pass; the same seed "
            + "gives the same first n samples whatever N is), titled \"N n\": chapter 3.5's N sweep in one figure.",
        example: "smoothGrad(net, xs, samples: 100, sigma: 0.2)\nsmoothGrad(net, xs[0], sigma: 0.1, runningAverages: [10, 20, 30, 40, 50])"
    ) { args, context in
        let counts = args.isNil("runningAverages") ? nil : try args.intList("runningAverages")
        if let counts {
            guard !counts.isEmpty else { throw args.error(.value, "runningAverages", "is empty; give counts such as [10, 20, 30]") }
            if let bad = counts.first(where: { $0 < 1 }) { throw args.error(.value, "runningAverages", "has the count \(bad); counts must be ≥ 1") }
        }
        var samples = try args.positiveInt("samples")
        if let counts, args.ranges["samples"] == nil { samples = counts.max()! }
        if let counts, let bad = counts.first(where: { $0 > samples }) {
            throw args.error(.value, "runningAverages", "has the count \(bad) but samples is \(samples); counts must lie in 1...samples")
        }
        let noise: SmoothGrad.Noise
        if let sigma = try args.optionalDouble("sigma") {
            noise = .absolute(Float(sigma))
        } else {
            noise = .relative(Float(try args.double("noise")))
        }
        let seed = try args.seed("seed")
        if let counts {
            let call = try prepare(args, function: "smoothGrad", context: context)
            let method = SmoothGrad(call.explained, samples: samples, noise: noise, seed: seed)
            let maps = try BindingErrors.translating("smoothGrad") {
                try method.runningAverages(call.inputs, targets: call.target, at: counts, monitor: context.workMonitor())
            }
            return .object(try runningAverageSweep(maps, counts: counts, call: call))
        }
        return try run("smoothGrad", args, context, style: .signed) { call, monitor in
            try SmoothGrad(call.explained, samples: samples, noise: noise, seed: seed)
                .attribute(call.inputs, targets: call.target, monitor: monitor)
        }
    }

    /// The running-average maps joined into one explanation, count by count (every image for the
    /// first count, then every image for the next, …), each panel titled "N n".
    static func runningAverageSweep(_ maps: [Explanation], counts: [Int], call: Call) throws -> ExplanationValue {
        let n = call.images.count
        var joined = maps[0]
        var values = [Float]()
        values.reserveCapacity(maps.count * maps[0].attributions.count)
        for map in maps { values += map.attributions.scalars }
        joined.attributions = Tensor(shape: [maps.count * n] + maps[0].attributions.shape.dropFirst(), scalars: values)
        joined.inputs = Tensor(shape: [maps.count * n] + maps[0].inputs.shape.dropFirst(),
                               scalars: Array([[Float]](repeating: maps[0].inputs.scalars, count: maps.count).joined()))
        joined.targets = Array([[Int]](repeating: maps[0].targets, count: maps.count).joined())
        joined.outputs = Array([[Float]](repeating: maps[0].outputs, count: maps.count).joined())
        joined.settings = maps[0].settings.map { setting in
            setting.name == "samples" ? MethodSetting("samples", counts.map(String.init).joined(separator: ", ")) : setting
        }
        let repeated = Array(repeating: Array(0..<n), count: maps.count).flatMap { $0 }
        var result = ExplanationValue(joined, images: try call.images.selecting(repeated, origin: call.images.origin),
                                      predictions: call.predictions.isEmpty ? nil : repeated.map { call.predictions[$0] }, style: .signed)
        result.panelTitles = counts.flatMap { count in
            (0..<n).map { i in n == 1 ? "N \(count)" : "N \(count), image \(i)" }
        }
        return result
    }

    static let classPrototypes = Builtin(
        name: "classPrototypes",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the classifier"),
            BuiltinParameter("means", type: "Dataset or ImageBatch", default: .nil,
                             doc: "labelled images whose per-class means the prototypes are pulled toward (chapter 1.1); nil = logit ascent with an L2 penalty (chapter 3.2)"),
            BuiltinParameter("classes", type: "List", default: .nil, doc: "the classes to build (nil = all)"),
            BuiltinParameter("steps", type: "Int", default: .int(5000), doc: "Adam steps"),
            BuiltinParameter("lambda", type: "Double", default: .nil, doc: "the L2 weight; nil = 0.1 with means (1.1), 0.01 without (3.2)"),
            BuiltinParameter("learningRate", type: "Double", default: .double(0.001), doc: "Adam's learning rate"),
            BuiltinParameter("reportEvery", type: "Int", default: .int(500), doc: "print \"step s cost c\" every this many steps (the reference's 500)"),
            BuiltinParameter("start", type: "String", default: .string("zeros"),
                             doc: "the starting images: \"zeros\" (the reference), \"gray\" (0.5 everywhere) or \"noise\" (uniform in [0, 1), seeded); a blank image is a dead point for a model whose first-layer ReLUs are all off on it"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "seeds the \"noise\" start"),
        ],
        returns: "ImageBatch",
        summary: "Activation maximisation: one prototype image per class, optimised on the pixels of the frozen model (chapters 1.1, 3.2).",
        details: "The result is an ImageBatch labelled with the classes, shown as gray digits with colorbars. While it runs, "
            + "one line \"step s cost c\" is printed every reportEvery steps (as the reference does, besides the progress bar), "
            + "then a summary with the first and the final cost.",
        example: "let prototypes = classPrototypes(net, means: mnist.train, steps: 1000)\nprototypes"
    ) { args, context in
        let model = try args.model("model")
        let steps = try args.int("steps")
        guard steps >= 0 else { throw args.error(.value, "steps", "must be ≥ 0, got \(steps)") }
        let learningRate = try args.double("learningRate")
        guard learningRate > 0, learningRate.isFinite else { throw args.error(.value, "learningRate", "must be a positive number") }
        let reportEvery = try args.positiveInt("reportEvery")
        let classes = args.isNil("classes") ? nil : try args.intList("classes")
        let network = model.handle.network
        let objective: ClassPrototype.Objective
        if args.isNil("means") {
            objective = .logitAscent(lambda: Float(try args.optionalDouble("lambda") ?? 0.01))
        } else {
            let data = try args.imageBatch("means", datasetSplit: "train")
            try ModelBuiltins.checkImages(data, fit: model, function: "classPrototypes", argument: "means", args: args)
            let labelled = try data.labelled(for: "classPrototypes")
            let classCount = network.outputShape.first ?? 10
            let means = try BindingErrors.translating("classPrototypes") { try labelled.classMeanImages(classes: classCount) }
            objective = .crossEntropyToMeans(means: means.reshaped([classCount] + network.inputShape),
                                             lambda: Float(try args.optionalDouble("lambda") ?? 0.1))
        }
        let progress = context.workMonitor()
        let host = context.host
        let monitor = WorkMonitor(cancellation: progress.cancellation) { event in
            if !event.finished, let cost = event.metrics.first(where: { $0.name == "cost" }) {
                host.write("step \(event.completed) cost \(NumberFormat.significant(cost.value, digits: 6))\n", to: .stdout)
            }
            progress.progress(event)
        }
        let startKind = try args.string("start")
        let prototypeCount = classes?.count ?? (network.outputShape.first ?? 10)
        let start: Tensor?
        switch startKind {
        case "zeros":
            start = nil
        case "gray":
            start = Tensor(repeating: 0.5, shape: [prototypeCount] + network.inputShape)
        case "noise":
            var random = SeededRandom(seed: UInt64(truncatingIfNeeded: try args.int("seed")))
            let shape = [prototypeCount] + network.inputShape
            start = Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in random.nextUniform() })
        default:
            throw ScriptError(.value, "classPrototypes: argument 'start' must be \"zeros\", \"gray\" or \"noise\", got \"\(startKind)\"",
                              at: args.ranges["start"], suggestions: Suggestions.closest(to: startKind, among: ["zeros", "gray", "noise"]))
        }
        let result = try BindingErrors.translating("classPrototypes") {
            try ClassPrototype(network, objective: objective, classes: classes, steps: steps, learningRate: Float(learningRate),
                               reportEvery: reportEvery)
                .run(start: start, monitor: monitor)
        }
        if let first = result.costs.first, let last = result.costs.last {
            context.host.write("classPrototypes: cost \(NumberFormat.significant(Double(first.cost), digits: 6)) at step \(first.step) → "
                               + "\(NumberFormat.significant(Double(last.cost), digits: 6)) at step \(last.step)\n", to: .stdout)
            if steps > 0, first.cost == last.cost, start == nil {
                context.host.write("classPrototypes: the cost did not move: the gradient at the blank starting images is zero "
                                   + "(every first-layer ReLU of '\(model.name)' is off on a blank image); try start: \"gray\" or \"noise\"\n",
                                   to: .stderr)
            }
        }
        let shape = network.inputShape
        let (h, w) = shape.count == 3 && shape[0] == 1 ? (shape[1], shape[2]) : (1, shape.reduce(1, *))
        guard result.prototypes.count == result.classes.count * h * w else {
            throw ScriptError(.runtime, "classPrototypes: the prototypes have shape \(result.prototypes.shape), not one image per class")
        }
        var batch = try ImageBatch(tensor: result.prototypes.reshaped([result.classes.count, 1, h, w]), labels: result.classes,
                                   origin: "prototypes of \(model.name)")
        batch.showsColorbar = true
        return .object(batch)
    }

    static let strongestChannels = Builtin(
        name: "strongestChannels",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the model"),
            BuiltinParameter(nil, name: "images", type: "ImageBatch or Tensor", doc: "the images whose activations are summed"),
            BuiltinParameter("layer", type: "String", doc: "the layer whose channels are ranked, e.g. \"pool3\""),
            BuiltinParameter("count", type: "Int", default: .int(5), doc: "how many channels"),
        ],
        returns: "List",
        summary: "The channels of a layer with the largest total activation over the images, largest first (chapter 3.1).",
        details: "Chapter 3.1 projects these feature maps back to the pixels: deconvnet(net, xs[0], target: c, layer: \"pool3\").",
        example: "let channels = strongestChannels(net, xs[0], layer: \"pool3\")\nfor c in channels { show(deconvnet(net, xs[0], target: c, layer: \"pool3\")) }"
    ) { args, context in
        let model = try args.model("model")
        let images = try args.imageBatch("images")
        try ModelBuiltins.checkImages(images, fit: model, function: "strongestChannels", argument: "images", args: args)
        guard images.count > 0 else { throw args.error(.value, "images", "has no images") }
        let layer = try args.string("layer")
        let network = model.handle.network
        guard network.layer(named: layer) != nil else {
            let names = network.layers.map(\.name)
            throw ScriptError(.value, "strongestChannels: argument 'layer': model '\(model.name)' has no layer '\(layer)'; its layers are "
                              + names.joined(separator: ", "), at: args.ranges["layer"], suggestions: Suggestions.closest(to: layer, among: names))
        }
        let count = try args.positiveInt("count")
        let channels = try BindingErrors.translating("strongestChannels") {
            let explained = try ExplainedModel(network)
            return try FeatureChannels.strongest(count, of: explained, inputs: images.images.reshaped([images.count] + network.inputShape),
                                                 layer: layer, monitor: context.workMonitor())
        }
        return .list(channels.map { .int($0) })
    }
}
