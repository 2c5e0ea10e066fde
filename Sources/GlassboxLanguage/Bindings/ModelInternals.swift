import GlassboxEngine
import GlassboxFigures
import GlassboxModels

/// One layer of a model as a value: `net.layer("fc2")` — its kind, weights, bias and geometry,
/// what a student needs to write a rule by hand. (The layer is only read, on the cell's thread.)
public struct LayerValue: ScriptObject, @unchecked Sendable {
    let layer: any Layer
    /// The layer's input shape without the batch.
    let inputShape: [Int]
    let outputShape: [Int]
    let isInputLayer: Bool

    public var typeName: String { "Layer" }
    public var propertyNames: [String] {
        var names = ["name", "kind", "inputShape", "outputShape", "isInputLayer"]
        if layer is any LinearLayer { names += ["weights", "bias"] }
        if layer is Conv2D { names += ["kernel", "stride", "padding"] }
        if layer is MaxPool2D || layer is AvgPool2D { names += ["window", "stride", "padding"] }
        return names
    }

    public func property(_ name: String) throws -> ScriptValue? {
        func pair(_ p: (Int, Int)) -> ScriptValue { .list([.int(p.0), .int(p.1)]) }
        switch name {
        case "name": return .string(layer.name)
        case "kind": return .string(layer.kind.rawValue)
        case "inputShape": return .list(inputShape.map { .int($0) })
        case "outputShape": return .list(outputShape.map { .int($0) })
        case "isInputLayer": return .bool(isInputLayer)
        default: break
        }
        if let linear = layer as? any LinearLayer {
            if name == "weights" { return .tensor(linear.weight.value) }
            if name == "bias" { return linear.bias.map { .tensor($0.value) } ?? .nil }
        }
        if let conv = layer as? Conv2D {
            switch name {
            case "kernel": return pair(conv.kernel)
            case "stride": return pair(conv.stride)
            case "padding": return .string(conv.padding.rawValue)
            default: break
            }
        }
        if let pool = layer as? MaxPool2D {
            switch name {
            case "window": return pair(pool.window)
            case "stride": return pair(pool.stride)
            case "padding": return .string(pool.padding.rawValue)
            default: break
            }
        }
        if let pool = layer as? AvgPool2D {
            switch name {
            case "window": return pair(pool.window)
            case "stride": return pair(pool.stride)
            case "padding": return .string(pool.padding.rawValue)
            default: break
            }
        }
        return nil
    }

    public var textDescription: String {
        var text = "Layer '\(layer.name)' (\(layer.kind.rawValue)): \(inputShape) → \(outputShape)"
        if let linear = layer as? any LinearLayer {
            text += ", weights \(linear.weight.value.shape)" + (linear.bias.map { ", bias \($0.value.shape)" } ?? ", no bias")
        }
        return text
    }
}

extension ModelValue {
    /// `net.layer("fc2")`.
    var layerMethod: Builtin {
        let handle = self.handle
        let modelName = name
        return Builtin(
            name: "layer",
            parameters: [BuiltinParameter(nil, name: "name", type: "String", doc: "the layer's name, e.g. \"fc2\" (see .layerNames)")],
            returns: "Layer",
            summary: "One layer of the model: .weights, .bias, .kind, .stride, .padding, .inputShape, .outputShape.",
            example: "let w = net.layer(\"fc2\").weights"
        ) { args, _ in
            let network = handle.network
            let wanted = try args.string("name")
            guard let index = network.layers.firstIndex(where: { $0.name == wanted }) else {
                let names = network.layers.map(\.name)
                throw ScriptError(.value, "layer: model '\(modelName)' has no layer '\(wanted)'; its layers are " + names.joined(separator: ", "),
                                  at: args.ranges["name"], suggestions: Suggestions.closest(to: wanted, among: names))
            }
            return .object(LayerValue(layer: network.layers[index], inputShape: index == 0 ? network.inputShape : network.layerOutputShapes[index - 1],
                                      outputShape: network.layerOutputShapes[index],
                                      isInputLayer: index == Sequential.inputLayerIndex(of: network.layers)))
        }
    }
}

/// Every layer's input and output of one forward pass: `let run = forward(net, xs)`;
/// `run["relu3"]` is that layer's output, `run.input("fc2")` its input. (Read-only tensors.)
public struct ForwardRun: ScriptObject, @unchecked Sendable {
    let record: ForwardRecord
    let modelName: String

    public var typeName: String { "ForwardRun" }
    public var propertyNames: [String] { ["layers", "input", "output", "count"] }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "layers": return .list(record.steps.map { .string($0.layer.name) })
        case "input": return .tensor(record.input)
        case "output": return .tensor(record.output)
        case "count": return .int(record.input.shape.first ?? 0)
        default: return nil
        }
    }

    private func step(_ name: String, range: SourceRange?) throws -> LayerStep {
        guard let step = record.step(named: name) else {
            let names = record.steps.map(\.layer.name)
            throw ScriptError(.index, "the forward pass of '\(modelName)' has no layer '\(name)'; its layers are " + names.joined(separator: ", "),
                              at: range, suggestions: Suggestions.closest(to: name, among: names))
        }
        return step
    }

    public func element(at index: ScriptValue) throws -> ScriptValue? {
        guard case .string(let name) = index else {
            throw ScriptError(.type, "a ForwardRun is indexed by a layer name, e.g. run[\"relu3\"]")
        }
        return .tensor(try step(name, range: nil).output)
    }

    public var methods: [Builtin] {
        let run = self
        return [Builtin(
            name: "input",
            parameters: [BuiltinParameter(nil, name: "layer", type: "String", doc: "the layer's name")],
            returns: "Tensor",
            summary: "The tensor the layer received (its output is run[\"name\"]).",
            example: "run.input(\"fc2\")"
        ) { args, _ in .tensor(try run.step(try args.string("layer"), range: args.ranges["layer"]).input) }]
    }

    public var textDescription: String {
        let count = record.input.shape.first ?? 0
        return "ForwardRun of \(modelName) on \(count) image\(count == 1 ? "" : "s"): "
            + record.steps.map { "\($0.layer.name) \(Array($0.output.shape.dropFirst()))" }.joined(separator: ", ")
    }
}

/// `forward`, `check` and `assert`: the exercise loop of writing a rule by hand.
enum ExerciseBuiltins {
    static var all: [Builtin] { [forward, check, assertion] }

    static let forward = Builtin(
        name: "forward",
        parameters: [
            BuiltinParameter(nil, name: "model", type: "Model", doc: "the model"),
            BuiltinParameter(nil, name: "images", type: "ImageBatch or Tensor", doc: "the images (at most 1,000)"),
        ],
        returns: "ForwardRun",
        summary: "One forward pass that keeps every layer's input and output: run[\"relu3\"], run.input(\"fc2\"), run.output.",
        example: "let run = forward(net, xs)\nlet a = run[\"relu3\"]\nrun.input(\"logits\")"
    ) { args, _ in
        let model = try args.model("model")
        let images = try args.imageBatch("images")
        try ModelBuiltins.checkImages(images, fit: model, function: "forward", argument: "images", args: args)
        guard images.count > 0, images.count <= 1000 else {
            throw args.error(.value, "images", "must hold 1 to 1,000 images (every layer's output is kept), got \(images.count)")
        }
        let network = model.handle.network
        let record = try BindingErrors.translating("forward") {
            try network.forwardRecording(images.images.reshaped([images.count] + network.inputShape), training: false)
        }
        return .object(ForwardRun(record: record, modelName: model.name))
    }

    /// The values of a value to compare: a Tensor, an Explanation's maps, an image batch's pixels, numbers.
    static func values(_ value: ScriptValue, _ args: BoundArguments, _ name: String) throws -> Tensor {
        switch value {
        case .object(let e as ExplanationValue): return e.explanation.attributions
        case .object(let batch as ImageBatch): return batch.images
        default: return try args.tensor(name)
        }
    }

    static let check = Builtin(
        name: "check",
        parameters: [
            BuiltinParameter(nil, name: "mine", type: "Tensor or Explanation", doc: "what you computed"),
            BuiltinParameter("against", type: "Tensor or Explanation", doc: "what it should equal (e.g. the built-in method's explanation)"),
            BuiltinParameter("tolerance", type: "Double", default: .double(1e-4),
                             doc: "the largest difference allowed, relative to the largest |value| of `against`"),
        ],
        summary: "Compares your result with a reference: ✓, or ✗ (an AssertionError) with the largest difference, where it is, and a hint.",
        details: "The place is given as image and pixel (row, column) for image-shaped values. Hints: shapes that differ, flipped "
            + "signs, a constant factor, the same sums but different maps. A failing check ends the cell with an AssertionError, so an "
            + "autograder (nbgrader) marks the cell wrong.",
        example: "check(mine, against: lrpEpsilon(net, xs, epsilon: 0.01))\ncheck(myGradient, against: saliency(net, xs, absolute: false), tolerance: 1e-5)"
    ) { args, context in
        let mine = try values(args.value("mine"), args, "mine")
        let reference = try values(args.value("against"), args, "against")
        let tolerance = try args.double("tolerance")
        guard tolerance >= 0, tolerance.isFinite else { throw args.error(.value, "tolerance", "must be a finite number ≥ 0") }
        let report = CheckReport(mine: mine, reference: reference, tolerance: tolerance)
        if report.passed {
            context.host.write(report.text + "\n", to: .stdout)
            return .nil
        }
        throw ScriptError(.assertion, report.text)
    }

    static let assertion = Builtin(
        name: "assert",
        parameters: [
            BuiltinParameter(nil, name: "condition", type: "Bool", doc: "what must hold"),
            BuiltinParameter(nil, name: "message", type: "String", default: .string("assertion failed"), doc: "what to say when it does not"),
        ],
        summary: "Ends the cell with an AssertionError (and the message) when the condition is false; for exercises and autograding.",
        example: "assert(e.receiptError < 1e-3, \"relevance should be conserved\")"
    ) { args, _ in
        guard try args.bool("condition") else { throw ScriptError(.assertion, try args.string("message")) }
        return .nil
    }
}

/// What `check` found.
struct CheckReport {
    let passed: Bool
    let text: String

    init(mine: Tensor, reference: Tensor, tolerance: Double) {
        guard mine.count == reference.count, mine.count > 0 else {
            passed = false
            var hint = ""
            if mine.count > 0, reference.count % mine.count == 0 || mine.count % reference.count == 0 {
                hint = " — hint: one holds \(max(mine.count, reference.count) / min(mine.count, reference.count))× the values of the other; a batch against one image?"
            }
            text = "✗ the shapes differ: yours is \(mine.shape), the reference \(reference.shape)\(hint)"
            return
        }
        let a = mine.scalars.map(Double.init), b = reference.scalars.map(Double.init)
        let scale = max(b.map(abs).max() ?? 0, 1e-30)
        var worst = 0.0, at = 0
        for i in 0..<a.count where !(abs(a[i] - b[i]) <= worst) {
            worst = abs(a[i] - b[i])
            at = i
        }
        let relative = worst / scale
        let place = CheckReport.place(at, shape: reference.shape)
        let shapeNote = mine.shape == reference.shape ? "" : " (shapes \(mine.shape) and \(reference.shape), compared value by value)"
        if worst == 0 {
            passed = true
            text = "✓ matches within \(NumberFormat.significant(tolerance, digits: 3)) (identical values)\(shapeNote)"
            return
        }
        if relative <= tolerance, worst.isFinite {
            passed = true
            text = "✓ matches within \(NumberFormat.significant(tolerance, digits: 3)) (largest difference \(NumberFormat.significant(worst, digits: 3)) "
                + "of \(NumberFormat.significant(scale, digits: 3)), at \(place))\(shapeNote)"
            return
        }
        passed = false
        var hints: [String] = []
        if !worst.isFinite || a.contains(where: { !$0.isFinite }) {
            hints.append("yours has values that are not finite — a division by zero? add a small stabiliser to the denominators")
        } else {
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }, bb = b.reduce(0) { $0 + $1 * $1 }
            let factor = bb > 0 ? dot / bb : 0
            let fitted = zip(a, b).map { abs($0 - factor * $1) }.max() ?? 0
            if fitted <= tolerance * scale * abs(factor) + 1e-12 {
                hints.append(abs(factor + 1) < 1e-3 ? "the signs are flipped" : "yours is the reference times \(NumberFormat.significant(factor, digits: 4))")
            }
            let sumA = a.reduce(0, +), sumB = b.reduce(0, +)
            if hints.isEmpty, abs(sumA - sumB) <= 1e-3 * max(abs(sumB), 1e-9) {
                hints.append("the sums agree (\(NumberFormat.significant(sumA, digits: 4))) but the values are distributed differently")
            }
        }
        text = "✗ differs by \(NumberFormat.significant(worst, digits: 3)) (\(NumberFormat.significant(relative, digits: 3)) of the largest |value| "
            + "\(NumberFormat.significant(scale, digits: 3)); tolerance \(NumberFormat.significant(tolerance, digits: 3))) at \(place): "
            + "yours \(NumberFormat.significant(a[at], digits: 5)), expected \(NumberFormat.significant(b[at], digits: 5))\(shapeNote)"
            + (hints.isEmpty ? "" : " — hint: " + hints.joined(separator: "; "))
    }

    /// "image 2, row 5, column 9" for [N, 1, H, W]; "image 2, value 17" for [N, …]; "value 17" otherwise.
    static func place(_ index: Int, shape: [Int]) -> String {
        if shape.count == 4 {
            let (c, h, w) = (shape[1], shape[2], shape[3])
            let image = index / (c * h * w), rest = index % (c * h * w)
            let channel = rest / (h * w), row = (rest % (h * w)) / w, column = rest % w
            return "image \(image)" + (c > 1 ? ", channel \(channel)" : "") + ", row \(row), column \(column)"
        }
        if shape.count >= 2 {
            let per = shape.dropFirst().reduce(1, *)
            return "image \(index / per), value \(index % per)"
        }
        return "value \(index)"
    }
}
