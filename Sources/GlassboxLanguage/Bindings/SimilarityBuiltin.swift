import GlassboxEngine
import GlassboxMethods

/// `similarity(a, b)`: how alike two explanations (or image batches) are, image by image.
enum SimilarityBuiltin {
    static var all: [Builtin] { [similarity] }

    static let similarity = Builtin(
        name: "similarity",
        parameters: [
            BuiltinParameter(nil, name: "a", type: "Explanation, ImageBatch or Tensor", doc: "the first maps, [N, …]"),
            BuiltinParameter(nil, name: "b", type: "Explanation, ImageBatch or Tensor",
                             doc: "the second maps: as many images as a, or one image compared with each of a's"),
            BuiltinParameter("measure", type: "String", default: .string("spearman"),
                             doc: "\"spearman\" (rank correlation, ties share their mean rank), \"pearson\" or \"cosine\""),
            BuiltinParameter("absolute", type: "Bool", default: .bool(false),
                             doc: "compare |a| with |b| (as Adebayo et al.'s sanity checks do: a flipped sign highlights the same pixels)"),
        ],
        returns: "List",
        summary: "How alike two sets of maps are, image by image: one number per image, 1 for the same pattern.",
        details: "Image i of a is compared with image i of b (or with b's only image). Spearman's rank correlation "
            + "says whether the two maps order the pixels alike; Pearson's correlation compares the values up to scale "
            + "and offset; cosine similarity compares directions (0 when a map is all zeros). The model-randomisation "
            + "sanity check compares the explanation of a trained model with that of the same architecture with "
            + "fresh weights: a method that explains the model should give a low similarity.",
        example: "let trained = saliency(net, xs)\nlet fresh = saliency(model(\"cnn-max-b\", untrained: true), xs)\n"
            + "similarity(trained, fresh, absolute: true)"
    ) { args, _ in
        let (a, aCount) = try maps(args, "a")
        let (b, bCount) = try maps(args, "b")
        let name = try args.string("measure")
        guard let measure = SimilarityMeasure(rawValue: name) else {
            let names = SimilarityMeasure.allCases.map(\.rawValue)
            throw ScriptError(.value, "similarity: argument 'measure' must be one of " + names.map { "\"\($0)\"" }.joined(separator: ", ")
                              + ", got \"\(name)\"", at: args.ranges["measure"], suggestions: Suggestions.closest(to: name, among: names))
        }
        let values = try BindingErrors.translating("similarity") {
            try measure.perImage(a.scalars, count: aCount, b.scalars, otherCount: bCount, absolute: try args.bool("absolute"))
        }
        return .list(values.map { .double(Double($0)) })
    }

    /// The maps of an argument and its number of images.
    private static func maps(_ args: BoundArguments, _ name: String) throws -> (Tensor, Int) {
        let value = args.value(name)
        switch value {
        case .object(let explanation as ExplanationValue):
            return (explanation.explanation.attributions, explanation.explanation.count)
        case .object(let batch as ImageBatch):
            return (batch.images, batch.count)
        case .tensor(let tensor) where tensor.rank >= 1 && tensor.shape[0] > 0:
            return (tensor, tensor.shape[0])
        default:
            throw args.error(.type, name, "must be an Explanation, an ImageBatch or a Tensor [N, …], got \(value.typeName) \(value.repr.prefix(40))")
        }
    }
}
