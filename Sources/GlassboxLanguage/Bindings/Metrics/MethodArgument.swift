import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// A method given to a metric or to `compareMethods`: the name of a catalog method
/// ("deepTaylor"), a Dictionary of its options (["method": "sensitivity", "exponent": 4], with
/// "name" for the legend), or the student's own function taking (model, images, target) and
/// returning an Explanation, a Tensor or an ImageBatch of the images' shape.
enum MethodArgument {
    /// The one-line doc of such an argument.
    static let doc = "the method: a method's name (\"deepTaylor\"), a Dictionary of its options ([\"method\": \"sensitivity\", \"exponent\": 4], \"name\" for the legend), or your own func (model, images, target) — or (model, images, target, output) to receive the explained output too — returning an Explanation or a Tensor of the images' shape"

    /// An explainer with the colours its maps are drawn in.
    struct Resolved {
        let explainer: Explainer
        let style: ExplanationStyle
    }

    /// `value` (the argument `argument` of `args`) as an explainer for the models of `call`;
    /// catalog options are checked at once against the call's model.
    static func resolve(_ value: ScriptValue, argument: String, args: BoundArguments, call: MethodBuiltins.Call,
                        context: CallContext) throws -> Resolved {
        switch value {
        case .string(let id):
            return try catalog(id, options: [:], name: nil, argument: argument, args: args, call: call)
        case .dictionary(let dictionary):
            var id: String?, name: String?
            var options: [String: OptionValue] = [:]
            for (key, entry) in dictionary.entries {
                switch key {
                case "method":
                    guard case .string(let s) = entry else { throw args.error(.type, argument, "has a \"method\" entry that is not a String") }
                    id = s
                case "name":
                    guard case .string(let s) = entry else { throw args.error(.type, argument, "has a \"name\" entry that is not a String") }
                    name = s
                default:
                    options[key] = try MethodBuiltins.optionValue(entry, argument: argument, args: args, call: call)
                }
            }
            guard let id else { throw args.error(.value, argument, "is a Dictionary without a \"method\" entry naming the method") }
            return try catalog(id, options: options, name: name, argument: argument, args: args, call: call)
        case .function(let function):
            return Resolved(explainer: try own(function, argument: argument, args: args, call: call, context: context), style: .signed)
        case let other:
            throw args.error(.type, argument, "must be a method's name, a Dictionary of its options or a function, got \(other.typeName) \(other.repr.prefix(30))")
        }
    }

    /// A catalog method with options, checked on the call's model.
    private static func catalog(_ id: String, options: [String: OptionValue], name: String?, argument: String, args: BoundArguments,
                                call: MethodBuiltins.Call) throws -> Resolved {
        let ids = MethodCatalog.all.map { $0.declaration.id }
        guard let method = MethodCatalog.method(id) else {
            throw ScriptError(.value, "\(args.function): argument '\(argument)': no method named \"\(id)\"; the methods are "
                              + ids.joined(separator: ", "), at: args.ranges[argument], suggestions: Suggestions.closest(to: id, among: ids))
        }
        do {
            try Explainer.validate(method, options: options, on: call.explained)
        } catch let error as MethodError {
            throw ScriptError(.value, "\(args.function): argument '\(argument)': \(id): \(error.message)", at: args.ranges[argument])
        }
        var label = name ?? method.declaration.title
        if name == nil, !options.isEmpty {
            label += " (" + options.keys.sorted().map { "\($0) \(options[$0]!.literal)" }.joined(separator: ", ") + ")"
        }
        return Resolved(explainer: .catalog(method, options: options, name: label), style: ExplanationStyle(method.declaration.display))
    }

    /// The student's function as an explainer: called with the model (the call's, or a randomised
    /// copy), the images as an ImageBatch and the classes as a List, and, when it takes a fourth
    /// parameter, the explained output's name ("logit", "reluLogit"…) to pass on as `output:`.
    private static func own(_ function: Builtin, argument: String, args: BoundArguments, call: MethodBuiltins.Call,
                            context: CallContext) throws -> Explainer {
        let positional = function.parameters.filter { !$0.variadic }
        guard positional.count >= 3 else {
            throw args.error(.type, argument, "is the function \(function.name) of \(positional.count) parameters; a method takes (model, images, target)")
        }
        let labels = positional.prefix(4).map(\.label)
        let original = call.model
        let imageShape = Array(call.images.images.shape.dropFirst())
        return Explainer(name: function.name) { model, inputs, targets, _ in
            let modelValue = model.network === original.handle.network ? original
                : ModelValue(ModelHandle(architecture: original.handle.architecture, network: model.network, recipe: nil, info: nil,
                                         origin: "\(original.name) with randomised layers"))
            let batch = try ImageBatch(tensor: inputs.reshaped([inputs.shape[0]] + imageShape), labels: nil, origin: "images given to \(function.name)")
            var arguments: [(label: String?, value: ScriptValue, range: SourceRange?)] = [
                (labels[0], .object(modelValue), nil), (labels[1], .object(batch), nil), (labels[2], .list(targets.map { .int($0) }), nil),
            ]
            // A fourth parameter receives the explained output, so the function can explain what the metric measures.
            if labels.count == 4 { arguments.append((labels[3], .string(model.output.rawValue), nil)) }
            var bound = try function.bind(arguments)
            let result = try function.body(&bound, context)
            switch result {
            case .object(let explanation as ExplanationValue) where explanation.explanation.attributions.count == inputs.count:
                return Explainer.Output(maps: explanation.explanation.attributions.reshaped(inputs.shape))
            case .object(let images as ImageBatch) where images.images.count == inputs.count:
                return Explainer.Output(maps: images.images.reshaped(inputs.shape))
            case .tensor(let tensor) where tensor.count == inputs.count:
                return Explainer.Output(maps: tensor.reshaped(inputs.shape))
            case let other:
                throw ScriptError(.type, "\(args.function): \(function.name) returned \(other.typeName) \(other.repr.prefix(40)) for \(inputs.shape[0]) images; a method returns an Explanation, an ImageBatch or a Tensor with one map per image (\(inputs.count) values)")
            }
        }
    }

    /// The class followed for each image of `call`.
    static func classes(_ call: MethodBuiltins.Call) -> [Int] {
        switch call.target {
        case .classes(let c): return c
        case .class(let c): return [Int](repeating: c, count: call.images.count)
        default: return call.predictions
        }
    }

    /// A subject for the metrics on `call`'s model and images with `explainer`; fresh networks come
    /// from the model's architecture.
    static func subject(_ call: MethodBuiltins.Call, explainer: Explainer, context: CallContext) throws -> MetricSubject {
        let handle = call.model.handle
        let architecture = handle.architecture
        let boxes = call.images.digits?.map { MetricSubject.DigitBoxes(ink: $0.ink, frame: $0.frame) }
        return try MetricSubject(model: call.explained, explainer: explainer, inputs: call.inputs, targets: classes(call),
                                 freshNetwork: { seed in try architecture.build(seed: seed) },
                                 randomLabelNetwork: { training, monitor in try RandomLabelModels.network(for: handle, training, monitor: monitor) },
                                 boxes: boxes, monitor: context.workMonitor())
    }
}
