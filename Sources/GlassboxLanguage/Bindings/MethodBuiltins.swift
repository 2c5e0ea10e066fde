import GlassboxFigures
import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// The explanation methods' builtins. One builtin per entry of `MethodCatalog`, made from its
/// declaration (parameters, help, display), plus `strongestChannels`. The methods of
/// `MethodCatalog.otherDeclarations` (class prototypes, feature visualisation) have builtins written
/// by hand in their own binding groups; the catalog test checks each declaration has one.
enum MethodBuiltins {
    static var all: [Builtin] {
        MethodCatalog.all.map(builtin(for:)) + [strongestChannels]
    }

    /// The explained outputs by the names the language uses (their raw values).
    static var outputNames: [String] { ExplainedOutput.allCases.map(\.rawValue) }

    /// The rows per pass when `batchSize:` is not given (the method layer's default).
    static var defaultBatchSize: Int { ExplainedModel.defaultBatchSize }

    /// The parameters every method takes: model, images, target, output, layer (when the method
    /// explains channels), batchSize; declared here once.
    static func commonParameters(_ declaration: MethodDeclaration) -> [BuiltinParameter] {
        let outputs = declaration.outputs ?? ExplainedOutput.allCases
        var parameters = [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the classifier to explain"),
            BuiltinParameter(nil, name: "images", type: "ImageBatch or Tensor", doc: "the images to explain"),
            BuiltinParameter("target", type: "Int, List or String", default: .string("predicted"),
                             doc: "the class (or channel) explained: \"predicted\" (each image's predicted class), \"label\" (each image's true digit, the reference chapters' choice), an Int for all images, or a List (one per image)"
                                + (declaration.acceptsLayerTargets ? "; with layer, the channel (an Int or a List)" : "")),
            BuiltinParameter("output", type: "String", default: .string(declaration.defaultOutput.rawValue),
                             doc: "the explained scalar f: " + outputs.map { "\"\($0.rawValue)\" (\($0.symbol))" }.joined(separator: ", ")
                                + (declaration.acceptsLayerTargets ? "; with layer, the channel's sum (leave at \"logit\")" : "")),
        ]
        if declaration.acceptsLayerTargets {
            parameters.append(BuiltinParameter("layer", type: "String", default: .nil,
                                               doc: "explain a channel of this layer (e.g. \"pool3\") instead of a class; target gives the channel"))
        }
        parameters.append(BuiltinParameter("batchSize", type: "Int", default: .int(defaultBatchSize),
                                           doc: "images (path points, noisy copies) per forward/backward pass"))
        return parameters
    }

    /// The parameter of the methods that optimise per image (`OptimizingMethod`): how often the
    /// display of what they learn is updated.
    static let liveEveryParameter = BuiltinParameter("liveEvery", type: "Int", default: .int(10),
                                                     doc: "show what is learned, updated in place every this many steps (0: no live view)")

    static let commonNames: Set<String> = ["model", "images", "target", "output", "layer", "batchSize", "liveEvery"]

    /// The builtin of a catalog method: its declaration's options become labelled parameters.
    static func builtin(for method: any AttributionMethod.Type) -> Builtin {
        let declaration = method.declaration
        let options = declaration.options.map { option in
            BuiltinParameter(option.name, type: option.type.typeName, default: scriptValue(option.defaultValue),
                             doc: option.documentation)
        }
        var details = declaration.details
        details += (details.isEmpty ? "" : " ") + "From " + declaration.citation + "."
        let live = method is any OptimizingMethod.Type ? [liveEveryParameter] : []
        return Builtin(name: declaration.id, parameters: commonParameters(declaration) + options + live, returns: "Explanation",
                       summary: declaration.summary, details: details, example: declaration.example) { args, context in
            try run(method, args, context)
        }
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

    static func prepare(_ args: BoundArguments, function: String, acceptsLayerTargets: Bool = true, context: CallContext) throws -> Call {
        let model = try args.model("model")
        let images = try args.imageBatch("images")
        try ModelBuiltins.checkImages(images, fit: model, function: function, argument: "images", args: args)
        guard images.count > 0 else { throw args.error(.value, "images", "has no images") }
        let outputName = try args.string("output")
        guard let output = ExplainedOutput(rawValue: outputName) else {
            throw ScriptError(.value, "\(function): argument 'output' must be one of " + outputNames.map { "\"\($0)\"" }.joined(separator: ", ")
                              + ", got \"\(outputName)\"", at: args.ranges["output"],
                              suggestions: Suggestions.closest(to: outputName, among: outputNames))
        }
        let batchSize = try args.positiveInt("batchSize")
        let network = model.handle.network
        let explained = try BindingErrors.translating(function) { try ExplainedModel(network, output: output, batchSize: batchSize) }
        let inputs = images.images.reshaped([images.count] + network.inputShape)
        // `layer:` names the layer of a channel target, unless the method declares its own `layer`
        // option (the CAM family: the layer whose feature maps it weights).
        let layer = acceptsLayerTargets ? args.values["layer"].flatMap { if case .string(let s) = $0 { return s } else { return nil } } : nil
        if let layer, network.layer(named: layer) == nil {
            let names = network.layers.map(\.name)
            throw ScriptError(.value, "\(function): argument 'layer': model '\(model.name)' has no layer '\(layer)'; its layers are "
                              + names.joined(separator: ", "), at: args.ranges["layer"], suggestions: Suggestions.closest(to: layer, among: names))
        }
        if layer != nil, args.ranges["output"] != nil, output != .logit {
            throw args.error(.value, "output", "cannot be \"\(outputName)\" with layer: a channel is explained as its sum over positions; leave output out")
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
        case .string(let other):
            throw ScriptError(.value, "\(function): argument 'target' must be an Int, a List of Ints, \"label\" or \"predicted\", got \"\(other)\"",
                              at: args.ranges["target"], suggestions: Suggestions.closest(to: other, among: ["label", "predicted"]))
        case let other:
            throw args.error(.type, "target", "must be an Int, a List of Ints, \"label\" or \"predicted\", got \(other.typeName) \(other.repr.prefix(30))")
        }
        let logits = try ModelBuiltins.forward(model, images, function: function, context: context)
        let predictions = try logits.argmax(alongAxis: 1)
        return Call(model: model, images: images, inputs: inputs, explained: explained, target: target ?? .classes(predictions),
                    predictions: predictions)
    }

    /// Runs a catalog method on the call's images and wraps its explanation.
    static func run(_ method: any AttributionMethod.Type, _ args: BoundArguments, _ context: CallContext) throws -> ScriptValue {
        let function = method.declaration.id
        let call = try prepare(args, function: function, acceptsLayerTargets: method.declaration.acceptsLayerTargets, context: context)
        var given: [String: OptionValue] = [:]
        for option in method.declaration.options where args.ranges[option.name] != nil {
            given[option.name] = try optionValue(args.value(option.name), argument: option.name, args: args, call: call)
        }
        // A reference image that cannot go with the images is refused before any work, at its argument.
        for option in method.declaration.options {
            guard case .reference = option.type, case .tensor(let image)? = given[option.name],
                  let problem = Reference.imageShapeProblem(image.shape, inputs: call.inputs.shape) else { continue }
            throw args.error(.value, option.name, "is a reference image that " + problem)
        }
        // Method errors point at the argument they are about; the others name the builtin.
        func translating<T>(_ body: () throws -> T) throws -> T {
            try BindingErrors.translating(function) {
                do { return try body() } catch let error as MethodError { throw scriptError(error, function: function, args: args) }
            }
        }
        let instance = try translating { try method.make(call.explained, options: given) }
        let display = instance.display
        let explanation: Explanation
        if let optimizing = instance as? any OptimizingMethod {
            explanation = try attributeLive(optimizing, call: call, args: args, context: context, translating: translating)
        } else {
            explanation = try translating { try instance.attribute(call.inputs, targets: call.target, monitor: context.workMonitor()) }
        }
        return .object(ExplanationValue(explanation, images: call.images, predictions: call.predictions,
                                        style: ExplanationStyle(display)))
    }

    /// Runs an optimising method with a display of what it learns, updated in place every
    /// `liveEvery` steps (titles: the explained classes), closed with the final maps.
    static func attributeLive(_ method: any OptimizingMethod, call: Call, args: BoundArguments, context: CallContext,
                              translating: (() throws -> Explanation) throws -> Explanation) throws -> Explanation {
        let function = type(of: method).declaration.id
        let liveEvery = try args.int("liveEvery")
        guard liveEvery >= 0 else { throw args.error(.value, "liveEvery", "must be ≥ 0 (0 = no live view), got \(liveEvery)") }
        let titles: [String]?
        switch call.target {
        case .classes(let classes): titles = classes.map { "\($0)" }
        case .class(let c): titles = [String](repeating: "\(c)", count: call.images.count)
        default: titles = nil
        }
        let live = liveEvery > 0 ? LiveImages(context: context, function: function, titles: titles) : nil
        let explanation = try translating {
            try method.attribute(call.inputs, targets: call.target, monitor: context.workMonitor(), snapshotEvery: liveEvery,
                                 snapshot: live.map { live in { snapshot in _ = try? live.update(snapshot) } })
        }
        let stopped = explanation.settings.first { $0.name == "stopped at step" }?.value
        if let stopped {
            context.host.write("\(function): interrupted at step \(stopped); the maps learned so far are returned\n", to: .stderr)
        }
        try live?.finish(explanation.attributions, caption: stopped.map { "interrupted at step \($0)" } ?? "done: \(live?.last?.steps ?? 0) steps")
        return explanation
    }

    /// A method error as a ValueError at the argument it is about, with "did you mean" suggestions.
    static func scriptError(_ error: MethodError, function: String, args: BoundArguments) -> ScriptError {
        if case let .option(_, option, message, given, candidates) = error {
            return ScriptError(.value, "\(function): argument '\(option)' \(message)", at: args.ranges[option],
                               suggestions: given.map { Suggestions.closest(to: $0, among: candidates) } ?? [])
        }
        return ScriptError(.value, "\(function): \(error.message)")
    }

    /// A language value as a method option: image batches become their pixels shaped for the model,
    /// dictionaries ordered tables.
    static func optionValue(_ value: ScriptValue, argument: String, args: BoundArguments, call: Call) throws -> OptionValue {
        switch value {
        case .nil: return .none
        case .bool(let b): return .bool(b)
        case .int(let v): return .int(v)
        case .double(let v): return .double(v)
        case .string(let s): return .string(s)
        case .tensor(let t): return .tensor(t)
        case .list(let items): return .list(try items.map { try optionValue($0, argument: argument, args: args, call: call) })
        case .range(let r): return .list((r.lower..<r.upper).map { .int($0) })
        case .dictionary(let d):
            return .table(try d.entries.map { OptionEntry($0.key, try optionValue($0.value, argument: argument, args: args, call: call)) })
        case .object(let batch as ImageBatch):
            try ModelBuiltins.checkImages(batch, fit: call.model, function: args.function, argument: argument, args: args)
            return .tensor(batch.images.reshaped([batch.count] + call.model.handle.network.inputShape))
        case let other:
            throw args.error(.type, argument, "cannot be a \(other.typeName)")
        }
    }

    /// A method option's default as a language value (for signatures and binding).
    static func scriptValue(_ value: OptionValue) -> ScriptValue {
        switch value {
        case .none: return .nil
        case .bool(let b): return .bool(b)
        case .int(let v): return .int(v)
        case .double(let v): return .double(v)
        case .string(let s): return .string(s)
        case .tensor(let t): return .tensor(t)
        case .list(let items): return .list(items.map(scriptValue))
        case .table(let entries): return .dictionary(ScriptDictionary(entries.map { ($0.key, scriptValue($0.value)) }))
        }
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
