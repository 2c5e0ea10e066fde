import GlassboxEngine
import GlassboxMethods

/// `stack([…])`: joins the items of several calls along the batch axis, so that maps from several
/// method calls (or images and maps) are drawn in one figure.
enum StackBuiltin {
    static var all: [Builtin] { [stack] }

    static let stack = Builtin(
        name: "stack",
        parameters: [
            BuiltinParameter(nil, name: "items", type: "List",
                             doc: "Explanations, ImageBatches or Tensors to join, in order (at least one)"),
        ],
        returns: "Explanation, ImageBatch or Tensor",
        summary: "Joins explanations, image batches or tensors along the batch (first) axis, in order.",
        details: "Explanations give one Explanation (targets, outputs, inputs and labels joined; the style of the first); "
            + "ImageBatches give one ImageBatch (labels kept when every batch has them); Tensors of equal rank and equal "
            + "trailing shape give one Tensor. Mixing images with explanations (or image-shaped tensors) gives an ImageBatch "
            + "whose explanation panels are their maps. Every item must have images of the same size.",
        example: "let maps = stack([saliency(net, xs[0]), smoothGrad(net, xs[0])])\nshow(stack([xs[0], maps.maps]), titles: [\"input\", \"gradient\", \"SmoothGrad\"])"
    ) { args, _ in
        guard case .list(let items) = args.value("items") else {
            throw args.error(.type, "items", "must be a List such as [e1, e2], got \(args.value("items").typeName)")
        }
        guard !items.isEmpty else { throw args.error(.value, "items", "is empty; give at least one item to stack") }
        let explanations = items.compactMap { item -> ExplanationValue? in
            if case .object(let e as ExplanationValue) = item { return e } else { return nil }
        }
        if explanations.count == items.count { return .object(try stacking(explanations, args)) }
        let tensors = items.compactMap { item -> Tensor? in if case .tensor(let t) = item { return t } else { return nil } }
        if tensors.count == items.count { return .tensor(try stacking(tensors, args)) }
        var batches: [ImageBatch] = []
        for (index, item) in items.enumerated() {
            switch item {
            case .object(let batch as ImageBatch): batches.append(batch)
            case .object(let explanation as ExplanationValue): batches.append(try explanation.maps())
            case .tensor(let tensor):
                do {
                    batches.append(try ImageBatch(tensor: tensor, labels: nil, origin: "a tensor"))
                } catch let problem as ScriptError {
                    throw args.error(.value, "items", "item \(index): \(problem.message)")
                }
            default:
                throw args.error(.type, "items", "must hold Explanations, ImageBatches or Tensors; item \(index) is \(item.typeName) \(item.repr.prefix(30))")
            }
        }
        return .object(try stacking(batches, args))
    }

    /// Throws unless every shape has the first one's trailing (per-item) shape.
    static func checkShapes(_ shapes: [[Int]], what: String, _ args: BoundArguments) throws {
        let first = shapes[0]
        for (index, shape) in shapes.enumerated() where shape.count != first.count || shape.dropFirst() != first.dropFirst() {
            throw args.error(.value, "items", "holds \(what) of shape \(shape) at item \(index) but item 0 has shape \(first); "
                             + "only the first (batch) size may differ")
        }
    }

    /// The rows of every tensor, one after the other (same rank and trailing shape).
    static func stacking(_ tensors: [Tensor], _ args: BoundArguments) throws -> Tensor {
        guard tensors.allSatisfy({ $0.rank >= 1 }) else {
            let index = tensors.firstIndex { $0.rank == 0 }!
            throw args.error(.value, "items", "item \(index) is a scalar tensor (shape []); stacking needs a batch axis")
        }
        try checkShapes(tensors.map(\.shape), what: "a Tensor", args)
        var values = [Float]()
        values.reserveCapacity(tensors.reduce(0) { $0 + $1.count })
        for t in tensors { values += t.scalars }
        let rows = tensors.reduce(0) { $0 + $1.shape[0] }
        return Tensor(shape: [rows] + tensors[0].shape.dropFirst(), scalars: values)
    }

    /// The images of every batch, one after the other; labels when all have them.
    static func stacking(_ batches: [ImageBatch], _ args: BoundArguments) throws -> ImageBatch {
        try checkShapes(batches.map(\.images.shape), what: "images", args)
        let images = try stacking(batches.map(\.images), args)
        let labels: [Int]? = batches.allSatisfy { $0.labels != nil } ? batches.flatMap { $0.labels! } : nil
        var batch = try ImageBatch(tensor: images, labels: labels, origin: "stack of " + batches.map(\.origin).joined(separator: ", "))
        batch.showsColorbar = batches.contains { $0.showsColorbar }
        return batch
    }

    /// One explanation holding every explanation's images in order.
    static func stacking(_ values: [ExplanationValue], _ args: BoundArguments) throws -> ExplanationValue {
        let parts = values.map(\.explanation)
        // As images [N, 1, H, W], so that maps of a dense and a convolutional model can be joined.
        let maps = values.map { $0.explanation.attributions.reshaped([$0.images.count, 1, $0.images.height, $0.images.width]) }
        let inputs = values.map { $0.explanation.inputs.reshaped([$0.images.count, 1, $0.images.height, $0.images.width]) }
        try checkShapes(maps.map(\.shape), what: "maps", args)
        let first = parts[0]
        var joined = first
        joined.attributions = try stacking(maps, args)
        joined.inputs = try stacking(inputs, args)
        joined.targets = parts.flatMap(\.targets)
        joined.outputs = parts.flatMap(\.outputs)
        joined.baselineOutputs = parts.allSatisfy { $0.baselineOutputs != nil } ? parts.flatMap { $0.baselineOutputs! } : nil
        joined.perturbedInputs = parts.allSatisfy { $0.perturbedInputs != nil }
            ? try stacking(values.map { $0.explanation.perturbedInputs!.reshaped([$0.images.count, 1, $0.images.height, $0.images.width]) }, args)
            : nil
        if !parts.allSatisfy({ $0.targetLayer == first.targetLayer }) { joined.targetLayer = nil }
        // A receipt holds for the joined maps only when every part promises the same thing.
        if !parts.allSatisfy({ $0.receipt == first.receipt }) { joined.receipt = nil }
        if !parts.allSatisfy({ $0.method == first.method }) {
            var methods: [String] = []
            for part in parts where !methods.contains(part.method) { methods.append(part.method) }
            joined.method = methods.joined(separator: ", ")
        }
        if !parts.allSatisfy({ $0.settings == first.settings }) { joined.settings = [] }
        let images = try stacking(values.map(\.images), args)
        let predictions: [Int]? = values.allSatisfy { $0.predictions != nil } ? values.flatMap { $0.predictions! } : nil
        var result = ExplanationValue(joined, images: images, predictions: predictions, style: values[0].style)
        if values.contains(where: { $0.panelTitles != nil }) {
            // Items without their own panel titles keep the usual digit titles.
            result.panelTitles = values.flatMap { value in
                value.panelTitles ?? (value.images.labels?.map { "Digit: \($0)" } ?? Array(repeating: "", count: value.images.count))
            }
        }
        return result
    }
}
