import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxFigures
import GlassboxMethods
import GlassboxModels

/// Chapters 1.1 and 1.3: class prototypes in pixel or code space (`classPrototypes`), a layer's
/// activations for many images (`activations`, the codes E(x) and their class means z̄_c), images
/// from a generator (`generate`, G(z)) and the chapter-1.3 GAN training (`trainGAN`).
enum PrototypeBuiltins {
    static var all: [Builtin] { [classPrototypes, activations, generate, trainGAN] }

    /// A String argument that must be one of `choices`, with "did you mean".
    static func choice(_ args: BoundArguments, _ name: String, _ choices: [String]) throws -> String? {
        guard let value = try args.optionalString(name) else { return nil }
        guard choices.contains(value) else {
            throw ScriptError(.value, "\(args.function): argument '\(name)' must be " + choices.map { "\"\($0)\"" }.joined(separator: ", ")
                              + ", got \"\(value)\"", at: args.ranges[name], suggestions: Suggestions.closest(to: value, among: choices))
        }
        return value
    }

    /// A layer of `model` named by argument `argument`, or an error listing its layers.
    static func layerName(_ args: BoundArguments, _ argument: String, of model: ModelValue) throws -> String {
        let layer = try args.string(argument)
        let names = model.handle.network.layers.map(\.name)
        guard names.contains(layer) else {
            throw ScriptError(.value, "\(args.function): argument '\(argument)': model '\(model.name)' has no layer '\(layer)'; its layers are "
                              + names.joined(separator: ", "), at: args.ranges[argument], suggestions: Suggestions.closest(to: layer, among: names))
        }
        return layer
    }

    /// The classifier layer whose output is the generator's code: `codeLayer:` when given, else the
    /// last layer whose output holds as many values as the generator's input (MLP-A's `relu2`).
    static func codeLayer(_ args: BoundArguments, classifier: ModelValue, generator: ModelValue) throws -> String {
        if !args.isNil("codeLayer") {
            let layer = try layerName(args, "codeLayer", of: classifier)
            let network = classifier.handle.network
            let index = network.layers.firstIndex { $0.name == layer }!
            let size = network.layerOutputShapes[index].reduce(1, *), wanted = generator.handle.network.inputShape.reduce(1, *)
            guard size == wanted else {
                throw args.error(.value, "codeLayer", "'\(layer)' outputs \(size) values but generator '\(generator.name)' takes codes of \(wanted)")
            }
            return layer
        }
        let network = classifier.handle.network
        let wanted = generator.handle.network.inputShape.reduce(1, *)
        guard let index = network.layerOutputShapes.indices.last(where: { network.layerOutputShapes[$0].reduce(1, *) == wanted }) else {
            throw args.error(.value, "generator", "takes codes of \(wanted) values, but no layer of '\(classifier.name)' outputs that many; pass codeLayer:")
        }
        return network.layers[index].name
    }

    static let classPrototypes = Builtin(
        name: "classPrototypes",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the classifier"),
            BuiltinParameter("means", type: "Dataset or ImageBatch", default: .nil,
                             doc: "labelled images whose per-class means the prototypes are pulled toward (chapter 1.1; with a generator, the means of their codes, chapter 1.3)"),
            BuiltinParameter("classes", type: "List", default: .nil, doc: "the classes to build (nil = all)"),
            BuiltinParameter("steps", type: "Int", default: .int(5000), doc: "Adam steps"),
            BuiltinParameter("lambda", type: "Double", default: .nil, doc: "the weight λ of the L2 term λ·½Σ‖v − t‖²; nil = 0.1 with score \"crossEntropy\" (1.1, 1.3), 0.01 with \"logit\" (3.2)"),
            BuiltinParameter("score", type: "String", default: .nil,
                             doc: "what rewards the class: \"crossEntropy\" (the mean cross-entropy of the class, 1.1 and 1.3) or \"logit\" (1 − Σ S_c, 3.2); nil = \"crossEntropy\" with means or a generator, else \"logit\""),
            BuiltinParameter("penalty", type: "String", default: .nil,
                             doc: "what the L2 term pulls toward: \"means\" (the class means, needs means:), \"origin\" (λ·½‖v‖², the text of chapter 1.1) or \"none\"; nil = \"means\" when means are given, else \"origin\""),
            BuiltinParameter("generator", type: "Model", default: .nil,
                             doc: "optimise a code z per class and show the classifier G(z) (chapter 1.3's AM in code space); the prototypes are G(z)"),
            BuiltinParameter("codeLayer", type: "String", default: .nil,
                             doc: "with a generator: the classifier layer whose output is the code (for the code means); nil = the last layer with as many values as the generator's input (MLP-A: \"relu2\")"),
            BuiltinParameter("learningRate", type: "Double", default: .double(0.001), doc: "Adam's learning rate"),
            BuiltinParameter("reportEvery", type: "Int", default: .int(500), doc: "print \"step s cost c\" every this many steps (the reference's 500)"),
            BuiltinParameter("start", type: "String", default: .nil,
                             doc: "the starting variables: \"zeros\" (the reference's pixels), \"gray\" (0.5 everywhere), \"noise\" (uniform in [0, 1)) or \"normal\" (N(0, 1), the reference's codes), seeded; nil = \"zeros\" for pixels, \"normal\" for codes. A blank image is a dead point for a model whose first-layer ReLUs are all off on it"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "seeds the \"noise\" and \"normal\" starts"),
            BuiltinParameter("liveEvery", type: "Int", default: .int(250),
                             doc: "show the current prototypes, updating in place, every this many steps (at most four times a second); 0 = no live view"),
        ],
        returns: "ImageBatch",
        summary: ClassPrototype.declaration.summary,
        details: "The result is an ImageBatch labelled with the classes, shown as gray digits with colorbars; .costs is the "
            + "cost every reportEvery steps (a Table), .codes the optimised codes (with a generator). While it runs, the current "
            + "prototypes are shown updating in place (liveEvery), beside the progress bar, and one line \"step s cost c\" is "
            + "printed every reportEvery steps (as the reference does); a summary with the first and the final cost follows. "
            + "An interrupt stops the search and keeps the prototypes of lowest cost so far: they are returned (and bound to the "
            + "variable of a `let`) and .stoppedAt says where it stopped.",
        example: "let prototypes = classPrototypes(net, means: mnist.train, steps: 1000)\nprototypes\nprototypes.costs"
    ) { args, context in
        let model = try args.model("model")
        let steps = try args.int("steps")
        guard steps >= 0 else { throw args.error(.value, "steps", "must be ≥ 0, got \(steps)") }
        let learningRate = try args.double("learningRate")
        guard learningRate > 0, learningRate.isFinite else { throw args.error(.value, "learningRate", "must be a positive number") }
        let reportEvery = try args.positiveInt("reportEvery")
        let liveEvery = try args.int("liveEvery")
        guard liveEvery >= 0 else { throw args.error(.value, "liveEvery", "must be ≥ 0 (0 = no live view), got \(liveEvery)") }
        let classes = args.isNil("classes") ? nil : try args.intList("classes")
        let network = model.handle.network
        let generator = args.isNil("generator") ? nil : try args.model("generator")
        if let generator, generator.handle.network.outputShape.reduce(1, *) != network.inputShape.reduce(1, *) {
            throw args.error(.value, "generator", "'\(generator.name)' makes \(generator.handle.network.outputShape) but '\(model.name)' takes \(network.inputShape)")
        }
        let hasMeans = !args.isNil("means")
        let score = try choice(args, "score", ["crossEntropy", "logit"]) ?? (hasMeans || generator != nil ? "crossEntropy" : "logit")
        let penaltyName = try choice(args, "penalty", ["means", "origin", "none"]) ?? (hasMeans ? "means" : "origin")
        let lambda = try args.optionalDouble("lambda") ?? (score == "crossEntropy" ? 0.1 : 0.01)
        guard lambda >= 0, lambda.isFinite else { throw args.error(.value, "lambda", "must be ≥ 0, got \(ScriptValue.format(lambda))") }
        let classCount = network.outputShape.first ?? 10
        let penalty: ClassPrototype.Objective.Penalty
        switch penaltyName {
        case "means":
            guard hasMeans else { throw args.error(.value, "penalty", "is \"means\" but no means: were given (e.g. means: mnist.train)") }
            let data = try args.imageBatch("means", datasetSplit: "train")
            try ModelBuiltins.checkImages(data, fit: model, function: "classPrototypes", argument: "means", args: args)
            let labelled = try data.labelled(for: "classPrototypes")
            if let generator {
                let layer = try codeLayer(args, classifier: model, generator: generator)
                let codes = try BindingErrors.translating("classPrototypes") {
                    try LayerActivations.classMeans(network, inputs: labelled.images.reshaped([labelled.count] + network.inputShape),
                                                    labels: labelled.labels, classes: classCount, layer: layer, monitor: context.workMonitor())
                }
                penalty = .toward(codes.reshaped([classCount] + generator.handle.network.inputShape))
            } else {
                let means = try BindingErrors.translating("classPrototypes") { try labelled.classMeanImages(classes: classCount) }
                penalty = .toward(means.reshaped([classCount] + network.inputShape))
            }
        case "origin": penalty = .origin
        default: penalty = .none
        }
        let objective = ClassPrototype.Objective(score: score == "logit" ? .logit : .crossEntropy, penalty: penalty, lambda: Float(lambda))
        let search = ClassPrototype(network, objective: objective, classes: classes, steps: steps, learningRate: Float(learningRate),
                                    reportEvery: reportEvery, generator: generator?.handle.network)
        let prototypeCount = classes?.count ?? classCount
        let shape = [prototypeCount] + search.variableShape
        let startKind = try choice(args, "start", ["zeros", "gray", "noise", "normal"]) ?? (generator == nil ? "zeros" : "normal")
        var random = SeededRandom(seed: try args.seed("seed"))
        let count = shape.reduce(1, *)
        let start: Tensor
        switch startKind {
        case "zeros": start = Tensor(zeros: shape)
        case "gray": start = Tensor(repeating: 0.5, shape: shape)
        case "noise": start = Tensor(shape: shape, scalars: (0..<count).map { _ in random.nextUniform() })
        default: start = Tensor(shape: shape, scalars: (0..<count).map { _ in random.nextGaussian() })
        }
        let progress = context.workMonitor()
        let host = context.host
        let monitor = WorkMonitor(cancellation: progress.cancellation) { event in
            if !event.finished, let cost = event.metrics.first(where: { $0.name == "cost" }) {
                host.write("step \(event.completed) cost \(NumberFormat.significant(cost.value, digits: 6))\n", to: .stdout)
            }
            progress.progress(event)
        }
        let labels = (classes ?? Array(0..<classCount))
        let live = liveEvery > 0 ? LiveImages(context: context, function: "classPrototypes", titles: labels.map { "\($0)" }) : nil
        let result = try BindingErrors.translating("classPrototypes") {
            try search.run(start: start, monitor: monitor, snapshotEvery: liveEvery, snapshot: live.map { live in { snapshot in _ = try? live.update(snapshot) } })
        }
        let format = { (v: Float) in NumberFormat.significant(Double(v), digits: 6) }
        if let stopped = result.stoppedAt {
            context.host.write("classPrototypes: interrupted at step \(stopped) of \(steps); kept the prototypes of lowest cost so far "
                               + "(step \(result.bestStep), cost \(format(result.bestCost))), returned as the result\n", to: .stderr)
            try live?.finish(result.prototypes, caption: "interrupted at step \(stopped)/\(steps) · kept step \(result.bestStep), cost \(format(result.bestCost))")
        } else if let first = result.costs.first, let last = result.costs.last {
            context.host.write("classPrototypes: cost \(format(first.cost)) at step \(first.step) → \(format(last.cost)) at step \(last.step)\n", to: .stdout)
            if steps > 0, first.cost == last.cost, startKind == "zeros", generator == nil {
                context.host.write("classPrototypes: the cost did not move: the gradient at the blank starting images is zero "
                                   + "(every first-layer ReLU of '\(model.name)' is off on a blank image); try start: \"gray\" or \"noise\"\n",
                                   to: .stderr)
            }
            try live?.finish(result.prototypes, caption: "done: step \(last.step)/\(steps) · cost \(format(last.cost))")
        }
        let inputShape = network.inputShape
        let (h, w) = inputShape.count == 3 && inputShape[0] == 1 ? (inputShape[1], inputShape[2]) : (1, inputShape.reduce(1, *))
        guard result.prototypes.count == result.classes.count * h * w else {
            throw ScriptError(.runtime, "classPrototypes: the prototypes have shape \(result.prototypes.shape), not one image per class")
        }
        var batch = try ImageBatch(tensor: result.prototypes.reshaped([result.classes.count, 1, h, w]), labels: result.classes,
                                   origin: generator.map { "prototypes of \(model.name) in the code space of \($0.name)" } ?? "prototypes of \(model.name)")
        batch.showsColorbar = true
        batch.search = SearchRecord(costs: result.costs.map { ($0.step, Double($0.cost)) }, codes: result.codes, stoppedAt: result.stoppedAt,
                                    step: result.stoppedAt == nil ? steps : result.bestStep, objective: objective.label)
        return .object(batch)
    }

    static let activations = Builtin(
        name: "activations",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the model"),
            BuiltinParameter(nil, name: "images", type: "Dataset or ImageBatch or Tensor", doc: "the images (any number; a Dataset means its train split)"),
            BuiltinParameter("layer", type: "String", doc: "the layer whose output is returned, e.g. \"relu2\" (MLP-A's 100-unit code)"),
            BuiltinParameter("perClass", type: "Bool", default: .bool(false),
                             doc: "return the mean over the images of each class instead ([classes] + the layer's shape; needs labels)"),
            BuiltinParameter("batchSize", type: "Int", default: .int(500), doc: "images per forward pass"),
        ],
        returns: "Tensor",
        summary: "A layer's output for many images, in batches: [N] + the layer's shape, or the per-class means (chapter 1.3's codes E(x) and z̄_c).",
        details: "Unlike forward(…), which keeps every layer for at most 1,000 images, this runs the model only up to the layer and "
            + "keeps only its output, for any number of images (the result must fit the memory budget). With perClass: true the "
            + "means are taken per label 0..<classes, e.g. the code means z̄_c of chapter 1.3.",
        example: "let codes = activations(net, mnist.test[0..<16], layer: \"relu2\")\nlet zbar = activations(net, mnist.train, layer: \"relu2\", perClass: true)"
    ) { args, context in
        let model = try args.model("model")
        let images = try args.imageBatch("images", datasetSplit: "train")
        try ModelBuiltins.checkImages(images, fit: model, function: "activations", argument: "images", args: args)
        guard images.count > 0 else { throw args.error(.value, "images", "has no images") }
        let layer = try layerName(args, "layer", of: model)
        let batchSize = try args.positiveInt("batchSize")
        let network = model.handle.network
        let inputs = images.images.reshaped([images.count] + network.inputShape)
        if try args.bool("perClass") {
            guard let labels = images.labels else { throw args.error(.value, "images", "have no labels, so perClass: true has no classes") }
            let classes = network.outputShape.count == 1 ? network.outputShape[0] : (labels.max() ?? 0) + 1
            return .tensor(try BindingErrors.translating("activations") {
                try LayerActivations.classMeans(network, inputs: inputs, labels: labels, classes: classes, layer: layer, batchSize: batchSize,
                                                monitor: context.workMonitor())
            })
        }
        return .tensor(try BindingErrors.translating("activations") {
            try LayerActivations.collect(network, inputs: inputs, layer: layer, batchSize: batchSize, monitor: context.workMonitor())
        })
    }

    static let generate = Builtin(
        name: "generate",
        parameters: [
            BuiltinParameter(nil, name: "generator", type: "Model", doc: "a generator such as model(\"gan-g\") (codes in, images out)"),
            BuiltinParameter(nil, name: "codes", type: "Tensor", doc: "the codes, [N] + the generator's input shape (e.g. [N, 100])"),
            BuiltinParameter("labels", type: "List", default: .nil, doc: "one label per image, for the titles (\"Digit: d\")"),
        ],
        returns: "ImageBatch",
        summary: "The images a generator makes from codes: G(z) as an ImageBatch (chapter 1.3).",
        details: "G(E(x)) shows what the generator makes of a real image's code: generate(g, activations(net, xs, layer: \"relu2\")).",
        example: "let g = model(\"gan-g\")\ngenerate(g, activations(net, mnist.test[0..<10], layer: \"relu2\"), labels: mnist.test[0..<10].labels)"
    ) { args, _ in
        let generator = try args.model("generator")
        let network = generator.handle.network
        let codes = try args.tensor("codes")
        let per = network.inputShape.reduce(1, *)
        guard codes.rank >= 1, let n = codes.shape.first, n > 0, codes.count == n * per else {
            throw args.error(.value, "codes", "must hold N codes of \(network.inputShape) (shape [N] + \(network.inputShape)), got \(codes.shape)")
        }
        let labels = args.isNil("labels") ? nil : try args.intList("labels")
        if let labels, labels.count != n { throw args.error(.value, "labels", "has \(labels.count) labels for \(n) codes") }
        let output = try BindingErrors.translating("generate") { try network.forward(codes.reshaped([n] + network.inputShape)) }
        let shape = network.outputShape
        let (h, w) = shape.count == 3 ? (shape[1], shape[2]) : shape.count == 2 ? (shape[0], shape[1]) : (1, shape.reduce(1, *))
        guard shape.reduce(1, *) == h * w else {
            throw args.error(.value, "generator", "'\(generator.name)' makes \(shape), not one-channel images")
        }
        return .object(try ImageBatch(tensor: output.reshaped([n, 1, h, w]), labels: labels, origin: "\(generator.name)(codes)"))
    }

    static let trainGAN = Builtin(
        name: "trainGAN",
        parameters: [
            BuiltinParameter(nil, name: "classifier", type: "Model", doc: "the frozen classifier whose code the generator learns to invert (chapter 1.3: the trained MLP-A)"),
            BuiltinParameter("on", type: "Dataset or ImageBatch", doc: "the real images (labels unused): a Dataset's train split, or a batch"),
            BuiltinParameter("codeLayer", type: "String", default: .string("relu2"), doc: "the classifier layer whose output is the code"),
            BuiltinParameter("epochs", type: "Int", default: .int(25), doc: "passes over the images (the reference's 25)"),
            BuiltinParameter("batchSize", type: "Int", default: .int(100), doc: "images per step (one discriminator step, then one generator step)"),
            BuiltinParameter("seed", type: "Int", default: .int(1), doc: "seeds both networks' weights and the shuffling"),
            BuiltinParameter("limit", type: "Int", default: .nil, doc: "train on only the first `limit` images (quick experiments)"),
        ],
        returns: "Model",
        summary: "Trains chapter 1.3's generator GAN-G against the discriminator GAN-D to invert a classifier's code, and returns the generator.",
        details: "Per batch x with codes e = E(x) and x̂ = G(e): one Adam step on D for L_D = −mean[log(D(x)+δ) + log(1 − D(x̂)+δ)], "
            + "then one on G for L_G = −mean log(D(x̂)+δ) + ½Σ‖x̂ − x‖² + ½Σ‖E(x̂) − e‖² (δ = 1e-7), as the reference. The classifier "
            + "is never changed. The generator's history holds the per-epoch mean losses of both networks (plot(g.history)); "
            + "save(g, to: …) keeps them in its file. An interrupt stops before the next batch and returns the generator as it is.",
        example: "let g = trainGAN(net, on: mnist, epochs: 1, limit: 5000)\nplot(g.history)"
    ) { args, context in
        let classifier = try args.model("classifier")
        let data = try args.imageBatch("on", datasetSplit: "train")
        try ModelBuiltins.checkImages(data, fit: classifier, function: "trainGAN", argument: "on", args: args)
        let layer = try layerName(args, "codeLayer", of: classifier)
        let epochs = try args.positiveInt("epochs")
        let batchSize = try args.positiveInt("batchSize")
        let seed = try args.seed("seed")
        var images = data.images
        if let limit = try args.optionalInt("limit") {
            guard limit > 0 else { throw args.error(.value, "limit", "must be a positive number of images, got \(limit)") }
            images = try images.slice(batch: 0..<min(limit, data.count))
        }
        let count = images.shape[0]
        guard count > 0 else { throw args.error(.value, "on", "has no images") }
        let labelled = try BindingErrors.translating("trainGAN") {
            try LabelledImages(images: images, labels: data.labels.map { Array($0.prefix(count)) } ?? [Int](repeating: 0, count: count))
        }
        let generatorEntry = try ModelZoo.entry(named: "gan-g"), discriminatorEntry = try ModelZoo.entry(named: "gan-d")
        let trainer = try BindingErrors.translating("trainGAN") {
            try GANTrainer(generator: try generatorEntry.architecture.build(seed: seed),
                           discriminator: try discriminatorEntry.architecture.build(seed: seed &+ 1),
                           classifier: classifier.handle.network, codeLayer: layer, seed: seed)
        }
        let generator = ModelValue(ModelHandle(architecture: generatorEntry.architecture, network: trainer.generator,
                                               recipe: generatorEntry.recipe, info: nil, origin: "trained here against \(classifier.name)"))
        let inner = context.workMonitor()
        let recorder = GANEpochRecorder()
        let monitor = WorkMonitor(cancellation: inner.cancellation) { event in inner.progress(recorder.observe(event, epochs: epochs)) }
        do {
            try trainer.train(on: labelled, epochs: epochs, batchSize: batchSize, monitor: monitor)
        } catch is CancellationError {
            context.host.write("trainGAN: interrupted after \(trainer.epochsCompleted) complete epoch\(trainer.epochsCompleted == 1 ? "" : "s"); "
                               + "the generator keeps the weights of the last completed step\n", to: .stderr)
        } catch {
            throw try BindingErrors.translating("trainGAN") { throw error }
        }
        let batches = (count + batchSize - 1) / batchSize
        for summary in recorder.summaries {
            generator.handle.recordEpoch(EpochRecord(epoch: summary.epoch, loss: summary.generatorLoss, accuracy: .nan, batches: batches,
                                                     seconds: summary.seconds, discriminatorLoss: summary.discriminatorLoss))
        }
        generator.handle.recordInfo(TrainingInfo(
            dataset: data.origin, epochs: recorder.summaries.count, batchSize: batchSize, seed: seed,
            optimizer: generatorEntry.recipe.optimizer.summary, centredBatches: false, trainingImages: count,
            finalTrainLoss: recorder.summaries.last?.generatorLoss, date: ISO8601DateFormatter().string(from: Date()),
            history: recorder.summaries.map { TrainingInfo.EpochLog(epoch: $0.epoch, loss: $0.generatorLoss,
                                                                    discriminatorLoss: $0.discriminatorLoss, seconds: $0.seconds) }))
        return .object(generator)
    }
}

/// Keeps the GAN trainer's per-epoch summaries as they are reported (so an interrupt keeps the
/// completed epochs) and names the task "trainGAN · epoch e/E".
final class GANEpochRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var _summaries: [GANEpochSummary] = []
    private var started = Date()

    var summaries: [GANEpochSummary] { lock.withLock { _summaries } }

    func observe(_ event: ProgressEvent, epochs: Int) -> ProgressEvent {
        lock.withLock {
            var renamed = event
            renamed.task = "trainGAN · epoch \(_summaries.count + 1)/\(epochs)"
            if event.finished {
                let metric = { (name: String) in event.metrics.first { $0.name == name }?.value ?? .nan }
                _summaries.append(GANEpochSummary(epoch: _summaries.count + 1, generatorLoss: metric("generator loss"),
                                                  discriminatorLoss: metric("discriminator loss"), seconds: Date().timeIntervalSince(started)))
                started = Date()
            }
            return renamed
        }
    }
}
