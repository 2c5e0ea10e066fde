import Foundation
import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// `fgsm` and `pgd`: adversarial examples against a model's labels, as image batches (the attacked
/// images keep the labels of the originals).
enum AttackBuiltins {
    static var all: [Builtin] { [fgsm, pgd, explanationAttack] }

    static let commonParameters = [
        BuiltinParameter(nil, name: "model", type: "Model", doc: "the classifier attacked"),
        BuiltinParameter(nil, name: "images", type: "ImageBatch", doc: "labelled images; each is attacked against its label"),
        BuiltinParameter("epsilon", type: "Double", default: .double(0.1), doc: "the L∞ budget: no pixel moves more than ε"),
        BuiltinParameter("clip", type: "Bool", default: .bool(true), doc: "keep pixels in [0, 1]"),
    ]

    /// The images, labels and ε of an attack call.
    static func prepare(_ args: BoundArguments, function: String) throws -> (ModelValue, ImageBatch, Tensor, [Int], Float) {
        let model = try args.model("model")
        let batch = try args.imageBatch("images")
        try ModelBuiltins.checkImages(batch, fit: model, function: function, argument: "images", args: args)
        guard batch.count > 0 else { throw args.error(.value, "images", "has no images") }
        guard let labels = batch.labels else {
            throw args.error(.value, "images", "has no labels; the attack needs the class to move away from (use a labelled batch such as mnist.test[0..<10])")
        }
        let epsilon = try args.double("epsilon")
        guard epsilon.isFinite, epsilon >= 0 else { throw args.error(.value, "epsilon", "must be finite and ≥ 0, got \(epsilon)") }
        return (model, batch, batch.images.reshaped([batch.count] + model.handle.network.inputShape), labels, Float(epsilon))
    }

    static func result(_ images: Tensor, _ batch: ImageBatch, origin: String) throws -> ScriptValue {
        .object(try ImageBatch(tensor: images.reshaped(batch.images.shape), labels: batch.labels, origin: origin))
    }

    static let fgsm = Builtin(
        name: "fgsm",
        parameters: commonParameters,
        returns: "ImageBatch",
        summary: "Fast gradient sign method (Goodfellow et al. 2015): x + ε·sign(∇ₓ cross-entropy of the label), one step.",
        details: "Returns the attacked images with the original labels: predict(net, fgsm(net, xs)) shows what changed. "
            + "The gradient's sign is that of −∂p_y/∂x (the same as of the cross-entropy wherever p_y > 0).",
        example: "let adv = fgsm(net, xs, epsilon: 0.1)\npredict(net, adv)"
    ) { args, context in
        let (model, batch, inputs, labels, epsilon) = try prepare(args, function: "fgsm")
        let clip: ClosedRange<Float>? = try args.bool("clip") ? 0...1 : nil
        let attacked = try BindingErrors.translating("fgsm") {
            try AdversarialAttack.fgsm(model.handle.network, inputs, labels: labels, epsilon: epsilon, clip: clip,
                                       monitor: context.workMonitor())
        }
        return try result(attacked, batch, origin: "fgsm(ε = \(epsilon)) of \(batch.origin)")
    }

    static let pgd = Builtin(
        name: "pgd",
        parameters: commonParameters + [
            BuiltinParameter("steps", type: "Int", default: .int(20), doc: "gradient-sign steps"),
            BuiltinParameter("stepSize", type: "Double", default: .nil, doc: "the step α; nil = 2.5·ε / steps"),
            BuiltinParameter("randomStart", type: "Bool", default: .bool(true), doc: "start at a uniform random point of the ε-ball"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "seeds the random start (per image, from the seed and the image's values)"),
        ],
        returns: "ImageBatch",
        summary: "Projected gradient descent (Madry et al. 2018): steps of α·sign(∇ₓ cross-entropy), each projected back into the ε-ball around the image.",
        details: "Every pixel stays within ε of the original (and in [0, 1] with clip). An image gets the same attack alone or anywhere in a batch.",
        example: "let adv = pgd(net, xs, epsilon: 0.1, steps: 20)\npredict(net, adv)"
    ) { args, context in
        let (model, batch, inputs, labels, epsilon) = try prepare(args, function: "pgd")
        let steps = try args.positiveInt("steps")
        let stepSize = try args.optionalDouble("stepSize").map(Float.init) ?? 2.5 * epsilon / Float(steps)
        guard stepSize.isFinite, stepSize > 0 || epsilon == 0 else { throw args.error(.value, "stepSize", "must be positive, got \(stepSize)") }
        let clip: ClosedRange<Float>? = try args.bool("clip") ? 0...1 : nil
        let randomStart = try args.bool("randomStart")
        let seed = try args.seed("seed")
        let attacked = try BindingErrors.translating("pgd") {
            try AdversarialAttack.pgd(model.handle.network, inputs, labels: labels, epsilon: epsilon, steps: steps, stepSize: stepSize,
                                      randomStart: randomStart, seed: seed, clip: clip, monitor: context.workMonitor())
        }
        return try result(attacked, batch, origin: "pgd(ε = \(epsilon), \(steps) steps) of \(batch.origin)")
    }

    static let explanationAttack = Builtin(
        name: "explanationAttack",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the classifier"),
            BuiltinParameter(nil, name: "images", type: "ImageBatch", doc: "the images whose maps are attacked"),
            BuiltinParameter("method", type: "String", default: .string("saliency"), doc: "the catalog method whose map is attacked (its default options)"),
            BuiltinParameter("epsilon", type: "Double", default: .double(0.1), doc: "the L∞ budget: no pixel moves more than ε"),
            BuiltinParameter("steps", type: "Int", default: .int(20), doc: "search steps"),
            BuiltinParameter("samples", type: "Int", default: .int(16), doc: "random candidates per image and step"),
            BuiltinParameter("stepSize", type: "Double", default: .nil, doc: "each candidate moves every pixel by ±α; nil = ε / 4"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "seeds the candidates (per image, from the seed and the image's values)"),
        ],
        returns: "ImageBatch",
        summary: "Attacks an explanation: a random search in the ε-ball that makes the map as unlike the original as it can while the predicted class stays.",
        details: "Derivative-free (no softplus surrogate needed): each step keeps the candidate with the lowest correlation between its map and "
            + "the original map among those still predicted as the original class. Compare saliency(net, xs) with saliency(net, adv).",
        example: "let adv = explanationAttack(net, xs, method: \"saliency\", epsilon: 0.1)\npredict(net, adv)"
    ) { args, context in
        let model = try args.model("model")
        let batch = try args.imageBatch("images")
        try ModelBuiltins.checkImages(batch, fit: model, function: "explanationAttack", argument: "images", args: args)
        guard batch.count > 0 else { throw args.error(.value, "images", "has no images") }
        let id = try args.string("method")
        guard let type = MethodCatalog.method(id) else {
            throw args.error(.value, "method", "must be a method of the catalog such as \"saliency\", got \"\(id)\"")
        }
        let epsilon = try args.double("epsilon")
        guard epsilon.isFinite, epsilon >= 0 else { throw args.error(.value, "epsilon", "must be finite and ≥ 0, got \(epsilon)") }
        let stepSize = try args.optionalDouble("stepSize") ?? epsilon / 4
        guard stepSize.isFinite, stepSize > 0 || epsilon == 0 else { throw args.error(.value, "stepSize", "must be positive, got \(stepSize)") }
        let steps = try args.positiveInt("steps"), samples = try args.positiveInt("samples"), seed = try args.seed("seed")
        let network = model.handle.network
        let inputs = batch.images.reshaped([batch.count] + network.inputShape)
        let result = try BindingErrors.translating("explanationAttack") { () throws -> ExplanationAttack.Result in
            let method = try type.make(try ExplainedModel(network))
            return try ExplanationAttack.attack(method, inputs, epsilon: Float(epsilon), steps: steps, samples: samples,
                                                stepSize: Float(stepSize), seed: seed, monitor: context.workMonitor())
        }
        let correlations = result.correlations.map { String(format: "%.3f", $0) }.joined(separator: ", ")
        context.host.write("map correlation with the original, per image: \(correlations)\n", to: .stdout)
        return try AttackBuiltins.result(result.images, batch, origin: "explanationAttack(\(id), ε = \(epsilon)) of \(batch.origin)")
    }
}
