import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxFigures
import GlassboxModels

/// Models: `model`, `load`, `save`, `evaluate`, `predict`, `zoo`.
enum ModelBuiltins {
    static var all: [Builtin] { [model, load, save, evaluate, predict, zoo] }

    /// Where trained zoo weights are looked for: `./models`, then the models module's standard places
    /// ($GLASSBOX_MODELS, the user cache, the bundled Weights resource).
    static var store: ModelStore {
        ModelStore(directories: [URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            .appendingPathComponent("models", isDirectory: true)])
    }

    /// Zoo names and aliases, for suggestions.
    static var knownNames: [String] { ModelZoo.names + ModelZoo.aliases.keys.sorted() }

    /// The zoo entry called `name`, or a ValueError from `function` about argument `argument` with suggestions.
    static func zooEntry(_ name: String, function: String, args: BoundArguments, argument: String) throws -> ZooEntry {
        do {
            return try ModelZoo.entry(named: name)
        } catch {
            let near = Suggestions.closest(to: name.lowercased(), among: knownNames)
            throw ScriptError(.value, "\(function): unknown architecture '\(name)'"
                              + (near.isEmpty ? "" : "; did you mean '\(near[0])'?")
                              + " Known: " + ModelZoo.names.joined(separator: ", "),
                              at: args.ranges[argument], suggestions: near)
        }
    }

    /// A model value from a model file. Directories, devices, FIFOs and empty files are refused by
    /// name before anything is read (`SafetensorsFile.readBytes`).
    static func loadFile(_ path: String, function: String) throws -> ModelValue {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ScriptError(.value, "\(function): the path is empty; give the path of a .safetensors model file")
        }
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ScriptError(.value, "\(function): no file at \(url.path)")
        }
        let loaded = try BindingErrors.translating(function) { () throws -> LoadedModel in
            // A file that is not a model file (a directory, a device, a damaged header) is a bad
            // argument, as a missing file is.
            do { return try ModelFile.load(from: url) } catch let error as SafetensorsError {
                throw ScriptError(.value, "\(function): \(error.description)")
            }
        }
        // The signal patterns saved beside the model (save(net, to: …) writes them), checked against it.
        let side = SignalPatterns.sideFile(for: url)
        if url.pathExtension == "safetensors", !url.lastPathComponent.hasSuffix(".patterns.safetensors"),
           FileManager.default.fileExists(atPath: side.path) {
            do {
                loaded.model.signalPatterns = try SignalPatterns.load(from: side, for: loaded.model)
            } catch let error as PatternError {
                throw ScriptError(.value, "\(function): the patterns beside the model file do not fit it: \(error.description)")
            } catch let error as SafetensorsError {
                throw ScriptError(.value, "\(function): the patterns beside the model file cannot be read: \(error.description)")
            }
        }
        let recipe = try? ModelZoo.entry(named: loaded.architecture.name).recipe
        return ModelValue(ModelHandle(architecture: loaded.architecture, network: loaded.model, recipe: recipe,
                                      info: loaded.info, origin: "loaded from \(url.path)"))
    }

    static let model = Builtin(
        name: "model",
        parameters: [
            BuiltinParameter(nil, name: "name", type: "String", doc: "a zoo name such as \"mlp-a\" (see zoo()), or a path to a .safetensors model file"),
            BuiltinParameter("untrained", type: "Bool", default: .bool(false), doc: "fresh Glorot-uniform weights instead of trained ones"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "seeds the fresh weights of an untrained model"),
        ],
        returns: "Model",
        summary: "A zoo model with its trained weights (or a model file).",
        details: "Trained weights are looked for as <name>.safetensors in ./models, $GLASSBOX_MODELS, "
            + "~/.cache/glassbox/models and the bundled weights. When there are none, the error says how to train the model.",
        example: "let net = model(\"cnn-max-b\")\nlet fresh = model(\"mlp-a\", untrained: true, seed: 1)"
    ) { args, _ in
        let name = try args.string("name")
        let untrained = try args.bool("untrained")
        let seed = try args.seed("seed")
        if name.hasSuffix(".safetensors") || name.contains("/") {
            return .object(try loadFile(name, function: "model"))
        }
        let entry = try zooEntry(name, function: "model", args: args, argument: "name")
        if untrained {
            let network = try BindingErrors.translating("model") { try entry.architecture.build(seed: seed) }
            return .object(ModelValue(ModelHandle(architecture: entry.architecture, network: network, recipe: entry.recipe,
                                                  info: nil, origin: "untrained (seed \(seed))")))
        }
        let places = ModelBuiltins.store
        guard let file = try places.url(for: entry.name) else {
            let looked = places.searchDirectories.map { "  \($0.appendingPathComponent("\(entry.name).safetensors").path)" }.joined(separator: "\n")
            let data = entry.recipe.dataset == .cluttered ? "dataset(\"cluttered-mnist\")" : "dataset(\"mnist\")"
            throw ScriptError(.value, "model: no trained weights for '\(entry.name)'. Looked for:\n\(looked)\n"
                              + "Train it with: let net = train(\"\(entry.name)\", on: \(data)) — then save(net, to: \"models/\(entry.name).safetensors\") so model(…) finds it; "
                              + "or pass untrained: true for fresh random weights.", at: args.ranges["name"])
        }
        return .object(try loadFile(file.path, function: "model"))
    }

    static let load = Builtin(
        name: "load",
        parameters: [BuiltinParameter(nil, name: "path", type: "String", doc: "a Glassbox .safetensors model file")],
        returns: "Model",
        summary: "Loads a model saved with save(…): architecture, weights and training record (and its signal patterns when saved beside it).",
        example: "let again = load(\"mlp-a.safetensors\")"
    ) { args, _ in
        .object(try loadFile(try args.string("path"), function: "load"))
    }

    static let save = Builtin(
        name: "save",
        parameters: [
            BuiltinParameter(nil, name: "value", type: "Any", doc: "a Model, or what to export: an Explanation, ImageBatch, Tensor, Table or a Dictionary of them"),
            BuiltinParameter("to", type: "String", doc: "the file to write: .safetensors (a model, or named arrays), .npy (one array), .npz (named arrays) or .csv (a Table)"),
            BuiltinParameter("half", type: "Bool", default: .bool(false), doc: "store a model's weights as float16 (half the size)"),
        ],
        summary: "Saves a model as a safetensors file, or exports maps, images, tensors and tables for NumPy, PyTorch and pandas.",
        details: "An Explanation saved as .npy is its maps, [N, 1, H, W]; as .npz or .safetensors also its inputs, targets, "
            + "outputs (f(x)) and baseline outputs. A Dictionary such as [\"maps\": e, \"images\": xs] gives one named array per "
            + "entry. In Python: numpy.load(\"maps.npy\"), numpy.load(\"e.npz\")[\"attributions\"], safetensors.numpy.load_file(…), "
            + "pandas.read_csv(…). Files are replaced atomically.",
        example: "save(net, to: \"mlp-a.safetensors\")\nsave(saliency(net, xs), to: \"maps.npy\")\nsave([\"maps\": e, \"images\": xs], to: \"run.npz\")"
    ) { args, context in
        let path = try args.string("to")
        guard !path.isEmpty else { throw args.error(.value, "to", "must be a file path, got an empty string") }
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        guard case .object(let model as ModelValue) = args.value("value") else {
            let what = try BindingErrors.translating("save") { () throws -> String in
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                return try ExportFile.write(args.value("value"), to: url, args: args)
            }
            context.host.write("saved \(what) to \(url.path)\n", to: .stdout)
            return .nil
        }
        guard url.pathExtension.lowercased() == "safetensors" else {
            throw args.error(.value, "to", "must end in .safetensors for a model, got \"\(url.lastPathComponent)\"")
        }
        let dtype: SafetensorsDType = try args.bool("half") ? .f16 : .f32
        try BindingErrors.translating("save") {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try ModelFile.save(model.handle.network, architecture: model.handle.architecture, info: model.handle.info, to: url, dtype: dtype)
            if let patterns = model.handle.network.signalPatterns, (try? patterns.check(against: model.handle.network)) != nil {
                try patterns.save(to: SignalPatterns.sideFile(for: url))
                context.host.write("saved its signal patterns to \(SignalPatterns.sideFile(for: url).path)\n", to: .stdout)
            }
        }
        context.host.write("saved \(model.name) (\(ModelValue.grouped(model.handle.architecture.parameterCount)) parameters) to \(url.path)\n", to: .stdout)
        return .nil
    }

    /// The training images of `value` (a Dataset's train split or a batch), checked against `model`.
    static func checkImages(_ batch: ImageBatch, fit model: ModelValue, function: String, argument: String, args: BoundArguments) throws {
        let expected = model.handle.network.inputShape
        guard expected.reduce(1, *) == batch.height * batch.width else {
            let size = expected.count == 3 ? "\(expected[1])×\(expected[2]) images" : "inputs of shape \(expected)"
            throw args.error(.value, argument, "has \(batch.height)×\(batch.width) images but model '\(model.name)' takes \(size)")
        }
    }

    static let evaluate = Builtin(
        name: "evaluate",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the model"),
            BuiltinParameter("on", type: "Dataset or ImageBatch", doc: "labelled images; a Dataset means its test split"),
            BuiltinParameter("batchSize", type: "Int", default: .int(500), doc: "images per forward pass"),
        ],
        returns: "Table",
        summary: "Accuracy and mean cross-entropy loss of a model on labelled images (dropout off).",
        details: "Returns a one-row table; its columns are also properties: evaluate(net, on: mnist.test).accuracy.",
        example: "evaluate(net, on: mnist.test)\nevaluate(net, on: mnist.test).accuracy"
    ) { args, context in
        let model = try args.model("model")
        let batch = try args.imageBatch("on", datasetSplit: "test")
        try checkImages(batch, fit: model, function: "evaluate", argument: "on", args: args)
        let labelled = try batch.labelled(for: "evaluate")
        guard labelled.count > 0 else { throw args.error(.value, "on", "has no images") }
        let batchSize = try args.positiveInt("batchSize")
        let result = try BindingErrors.translating("evaluate") {
            try Trainer.evaluate(model.handle.network, on: labelled, batchSize: batchSize, monitor: context.workMonitor())
        }
        model.handle.recordEvaluation(result, data: batch.origin)
        let table = try BindingErrors.translating("evaluate") {
            try GlassboxFigures.Table(columns: ["model", "data", "images", "accuracy", "loss"],
                                      rows: [[.text(model.name), .text(batch.origin), .integer(result.count),
                                              .percent(result.accuracy), .number(result.loss)]])
        }
        return .object(TableValue(table))
    }

    static let predict = Builtin(
        name: "predict",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "a classifier"),
            BuiltinParameter(nil, name: "images", type: "ImageBatch or Tensor", doc: "the images to classify"),
        ],
        returns: "Predictions",
        summary: "The predicted class of each image, with softmax probabilities (dropout off).",
        details: "The result shows as a table (prediction, probability, label and ✓/✗ when labels are known); "
            + ".classes, .probabilities, .logits, .confidence and .accuracy read it.",
        example: "let p = predict(net, xs)\np.classes\nshow(xs, titles: \"{label} → {prediction}\", predictions: p)"
    ) { args, context in
        let model = try args.model("model")
        let batch = try args.imageBatch("images")
        try checkImages(batch, fit: model, function: "predict", argument: "images", args: args)
        guard batch.count > 0 else { throw args.error(.value, "images", "has no images") }
        let logits = try forward(model, batch, function: "predict", context: context)
        return .object(try Predictions(logits: logits, labels: batch.labels, modelName: model.name))
    }

    /// The model's outputs for a batch, in chunks of 500 with cancellation checks.
    static func forward(_ model: ModelValue, _ batch: ImageBatch, function: String, context: CallContext) throws -> Tensor {
        let network = model.handle.network
        let chunk = 500
        var outputs: [Float] = []
        var width = 0
        var start = 0
        while start < batch.count {
            try context.checkCancellation()
            let end = min(start + chunk, batch.count)
            let part = try batch.selecting(Array(start..<end), origin: batch.origin)
            let out = try BindingErrors.translating(function) {
                try network.forward(part.images.reshaped([end - start] + network.inputShape))
            }
            width = out.count / max(end - start, 1)
            outputs += out.scalars
            start = end
        }
        return Tensor(shape: [batch.count, width], scalars: outputs)
    }

    static let zoo = Builtin(
        name: "zoo",
        parameters: [],
        returns: "Table",
        summary: "The model zoo: every architecture with its parameter count, input, chapters and whether trained weights are available.",
        example: "zoo()"
    ) { _, _ in
        let places = ModelBuiltins.store
        let rows: [[TableCell]] = ModelZoo.entries.map { entry in
            [.text(entry.name), .integer(entry.architecture.parameterCount),
             .text(ModelValue.shapeText(entry.architecture.inputShape)), .text(entry.chapters.joined(separator: ", ")),
             .text((try? places.url(for: entry.name)) == nil ? "—" : "yes"), .text(entry.summary)]
        }
        return .object(TableValue(try BindingErrors.translating("zoo") {
            try GlassboxFigures.Table(columns: ["name", "parameters", "input", "chapters", "weights", "summary"], rows: rows,
                                      caption: "Model zoo (model(name) loads trained weights; train(name, on: …) trains one)")
        }))
    }
}

