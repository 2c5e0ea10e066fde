import GlassboxEngine
import GlassboxFigures
import GlassboxMethods
import GlassboxModels

/// The evaluation metrics' builtins: one per entry of `MetricCatalog`, made from its declaration
/// (parameters, help), plus `compareMethods` (every metric for every method) and `translate`.
enum MetricBuiltins {
    static var all: [Builtin] {
        MetricCatalog.all.map(builtin(for:)) + [CompareMethodsBuiltin.compareMethods, translate]
    }

    /// The parameters every metric takes, declared once: model, images, method, target, output,
    /// batchSize.
    static let commonParameters: [BuiltinParameter] = [
        BuiltinParameter(nil, name: "model", type: "Model", doc: "the classifier"),
        BuiltinParameter(nil, name: "images", type: "ImageBatch or Tensor", doc: "the images to score the method on"),
        BuiltinParameter("method", type: "String, Dictionary or Function", doc: MethodArgument.doc),
        BuiltinParameter("target", type: "Int, List or String", default: .string("predicted"),
                         doc: "the class followed for each image: \"predicted\" (of the unmodified image), \"label\" (chapters 5.1 and 5.2), an Int or a List"),
        BuiltinParameter("output", type: "String", default: .string("logit"),
                         doc: "the explained scalar f, which the metric also measures: "
                            + ExplainedOutput.allCases.map { "\"\($0.rawValue)\" (\($0.symbol))" }.joined(separator: ", ")
                            + "; chapters 5.1 and 5.2 use \"reluLogit\""),
        BuiltinParameter("batchSize", type: "Int", default: .int(MethodBuiltins.defaultBatchSize),
                         doc: "images per forward/backward pass"),
    ]

    static let commonNames: Set<String> = ["model", "images", "method", "target", "output", "batchSize"]

    /// The builtin of a catalog metric: its declaration's options become labelled parameters.
    static func builtin(for metric: any ExplanationMetric.Type) -> Builtin {
        let declaration = metric.declaration
        let options = declaration.options.map { option in
            BuiltinParameter(option.name, type: option.type.typeName, default: MethodBuiltins.scriptValue(option.defaultValue),
                             doc: option.documentation)
        }
        let details = declaration.details + " Direction: \(declaration.direction.phrase) (with the default options). From "
            + declaration.citation + "."
        return Builtin(name: declaration.id, parameters: commonParameters + options, returns: "MetricResult",
                       summary: declaration.summary, details: details, example: declaration.example) { args, context in
            try run(metric, args, context)
        }
    }

    /// The metric's options given in a call, as option values.
    static func givenOptions(_ metric: any ExplanationMetric.Type, _ args: BoundArguments, call: MethodBuiltins.Call) throws -> [String: OptionValue] {
        var given: [String: OptionValue] = [:]
        for option in metric.declaration.options where args.ranges[option.name] != nil {
            given[option.name] = try MethodBuiltins.optionValue(args.value(option.name), argument: option.name, args: args, call: call)
        }
        return given
    }

    /// Runs method errors through `MethodBuiltins.scriptError` (pointing at the argument) and other
    /// module errors through `BindingErrors`.
    static func translating<T>(_ function: String, _ args: BoundArguments, _ body: () throws -> T) throws -> T {
        try BindingErrors.translating(function) {
            do { return try body() } catch let error as MethodError { throw MethodBuiltins.scriptError(error, function: function, args: args) }
        }
    }

    static func run(_ metric: any ExplanationMetric.Type, _ args: BoundArguments, _ context: CallContext) throws -> ScriptValue {
        let function = metric.declaration.id
        let call = try MethodBuiltins.prepare(args, function: function, context: context)
        let method = try MethodArgument.resolve(args.value("method"), argument: "method", args: args, call: call, context: context)
        let given = try givenOptions(metric, args, call: call)
        let instance = try translating(function, args) { try metric.make(given) }
        let result = try translating(function, args) {
            let subject = try MethodArgument.subject(call, explainer: method.explainer, context: context)
            return try instance.evaluate(subject, monitor: context.workMonitor())
        }
        return .object(MetricValue(result, images: call.images, output: call.explained.output, style: method.style))
    }

    static let translate = Builtin(
        name: "translate",
        parameters: [
            BuiltinParameter(nil, name: "images", type: "ImageBatch", doc: "the images to move"),
            BuiltinParameter("dx", type: "Int", doc: "pixels to the right (negative: to the left)"),
            BuiltinParameter("dy", type: "Int", default: .int(0), doc: "pixels down (negative: up)"),
        ],
        returns: "ImageBatch",
        summary: "The images moved by whole pixels, the uncovered pixels filled with 0 (the reference's translate; chapter 5.1 slides a digit from −20 to +20).",
        example: "let two = dataset(\"mnist\").train.perDigit(index: 3)[2]\nshow(stack([translate(two, dx: -5), two, translate(two, dx: 5)]))"
    ) { args, _ in
        let batch = try args.imageBatch("images")
        let (dx, dy) = (try args.int("dx"), try args.int("dy"))
        let moved = try BindingErrors.translating("translate") { try ImageTranslation.translated(batch.images, dx: dx, dy: dy) }
        return .object(try ImageBatch(tensor: moved, labels: batch.labels,
                                      origin: batch.origin + " (moved \(dx) right, \(dy) down)"))
    }
}
