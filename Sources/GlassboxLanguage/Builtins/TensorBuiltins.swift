import GlassboxEngine

/// Tensor algebra for writing rules by hand: matrix products, transposes, selection, sums along
/// an axis, and the convolution and pooling layers' forward passes with their input gradients
/// (the transposed operations LRP and DeepLIFT need). With `+ - * /` (which broadcast a row or a
/// column), `max(t, 0)` and `min(t, 0)` (W⁺ and W⁻), a student can write the four-step z⁺ rule.
enum TensorBuiltins {
    static var all: [Builtin] {
        [matmul, transpose, `where`, conv2d, convTranspose2d, maxPool, avgPool, maxPoolGradient, avgPoolGradient]
    }

    /// The engine's error as a ValueError naming the builtin.
    static func engine<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as EngineError {
            throw ScriptError(.value, "\(name): \(error.description)")
        }
    }

    static let matmul = Builtin(
        name: "matmul",
        parameters: [
            BuiltinParameter(nil, name: "a", type: "Tensor", doc: "a matrix [n, k] (or a vector [k], taken as one row)"),
            BuiltinParameter(nil, name: "b", type: "Tensor", doc: "a matrix [k, m]"),
        ],
        returns: "Tensor",
        summary: "The matrix product a·b: [n, k] × [k, m] → [n, m].",
        details: "A dense layer computes matmul(a, transpose(w)) + b with the layer's weights w [out, in]: "
            + "net.layer(\"fc1\").weights.",
        example: "let w = net.layer(\"fc2\").weights\nlet z = matmul(a, transpose(w))"
    ) { args, _ in
        var a = try args.tensor("a")
        let b = try args.tensor("b")
        let vector = a.rank == 1
        if vector { a = a.reshaped([1, a.count]) }
        guard a.rank == 2, b.rank == 2 else {
            throw ScriptError(.value, "matmul: needs matrices (rank 2), got shapes \(a.shape) and \(b.shape); reshape with t.reshaped([n, k])")
        }
        guard a.shape[1] == b.shape[0] else {
            throw ScriptError(.value, "matmul: the inner sizes differ: \(a.shape) × \(b.shape) (a's columns must equal b's rows); transpose one?")
        }
        try Operators.reserveFloats(WorkingMemory.matrixProduct(rows: a.shape[0], columns: b.shape[1]),
                                    for: "matmul: the product [\(a.shape[0]), \(b.shape[1])]")
        let product = try engine("matmul") { try MatrixProduct.matmul(a, b) }
        return .tensor(vector ? product.reshaped([b.shape[1]]) : product)
    }

    static let transpose = Builtin(
        name: "transpose",
        parameters: [
            BuiltinParameter(nil, name: "t", type: "Tensor", doc: "the tensor"),
            BuiltinParameter("axes", type: "List", default: .nil, doc: "the new order of the axes (nil: reversed, a matrix's transpose)"),
        ],
        returns: "Tensor",
        summary: "The tensor with its axes permuted: a matrix's transpose by default.",
        example: "transpose(w)\ntranspose(x, axes: [0, 2, 3, 1])"
    ) { args, _ in
        let t = try args.tensor("t")
        let axes = args.isNil("axes") ? Array((0..<t.rank).reversed()) : try args.intList("axes")
        guard axes.sorted() == Array(0..<t.rank) else {
            throw args.error(.value, "axes", "must be a permutation of 0..<\(t.rank), got \(axes)")
        }
        try Operators.reserveFloats(t.count, for: "transpose: the result \(axes.map { t.shape[$0] })")
        return .tensor(permuted(t, axes))
    }

    /// `t` with axis i of the result being axis `axes[i]` of `t`.
    static func permuted(_ t: Tensor, _ axes: [Int]) -> Tensor {
        let shape = axes.map { t.shape[$0] }
        var strides = [Int](repeating: 1, count: t.rank)
        for d in stride(from: t.rank - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * t.shape[d + 1] }
        let source = axes.map { strides[$0] }
        var out = [Float](repeating: 0, count: t.count)
        var index = [Int](repeating: 0, count: t.rank)
        var offset = 0
        for i in 0..<t.count {
            out[i] = t.scalars[offset]
            var d = t.rank - 1
            while d >= 0 {
                index[d] += 1
                offset += source[d]
                if index[d] < shape[d] { break }
                offset -= source[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
        return Tensor(shape: shape, scalars: out)
    }

    static let `where` = Builtin(
        name: "where",
        parameters: [
            BuiltinParameter(nil, name: "condition", type: "Tensor", doc: "where it is non-zero (true), take `a`; e.g. `z > 0`"),
            BuiltinParameter(nil, name: "a", type: "Tensor or Number", doc: "the values where the condition holds"),
            BuiltinParameter(nil, name: "b", type: "Tensor or Number", doc: "the values elsewhere"),
        ],
        returns: "Tensor",
        summary: "Element-wise choice (NumPy's where): a where the condition is non-zero, else b; shapes broadcast.",
        example: "where(z > 0, r / z, 0)\nwhere(w > 0, w, 0)   // W⁺, like max(w, 0)"
    ) { args, _ in
        let condition = try args.tensor("condition")
        let a = try args.tensor("a"), b = try args.tensor("b")
        guard let shape = Operators.broadcastShape(condition.shape, a.shape).flatMap({ Operators.broadcastShape($0, b.shape) }) else {
            throw ScriptError(.value, "where: the shapes \(condition.shape), \(a.shape) and \(b.shape) do not broadcast")
        }
        // The mask, two partial results and the result.
        try Operators.reserveFloats(WorkingMemory.product([Operators.valueCount(shape), 4]), for: "where: the result \(shape)")
        let ones = Tensor(repeating: 1, shape: shape)
        let mask = Operators.broadcast(ones, condition) { _, c in c != 0 ? 1 : 0 }!
        let left = Operators.broadcast(mask, a) { m, v in m != 0 ? v : 0 }!
        return .tensor(Operators.broadcast(left, Operators.broadcast(mask, b) { m, v in m != 0 ? 0 : v }!) { $0 + $1 }!)
    }

    // MARK: Convolution and pooling

    static func padding(_ args: BoundArguments) throws -> Padding {
        let name = try args.string("padding")
        guard let padding = Padding(rawValue: name) else {
            throw ScriptError(.value, "\(args.function): argument 'padding' must be \"same\" or \"valid\", got \"\(name)\"", at: args.ranges["padding"],
                              suggestions: Suggestions.closest(to: name, among: Padding.allCases.map(\.rawValue)))
        }
        return padding
    }

    /// An Int or a pair [h, w].
    static func pair(_ args: BoundArguments, _ name: String) throws -> (Int, Int) {
        let values = try args.intList(name)
        guard (values.count == 1 || values.count == 2), values.allSatisfy({ $0 > 0 }) else {
            throw args.error(.value, name, "must be a positive Int or a pair [h, w], got \(values)")
        }
        return (values[0], values.count == 2 ? values[1] : values[0])
    }

    /// `inputShape:`, a batch shape [N, C, H, W] of non-negative sizes.
    static func inputShape(_ args: BoundArguments) throws -> [Int] {
        let shape = try args.intList("inputShape")
        guard shape.count == 4, shape.allSatisfy({ $0 >= 0 }) else {
            throw args.error(.value, "inputShape", "must be a batch shape [N, C, H, W] of sizes ≥ 0, got \(shape)")
        }
        return shape
    }

    static func images(_ args: BoundArguments, _ name: String) throws -> Tensor {
        let t = try args.tensor(name)
        guard t.rank == 4 else {
            throw args.error(.value, name, "must be a batch [N, C, H, W], got shape \(t.shape); an ImageBatch's .values is one")
        }
        return t
    }

    static let windowParameters = [
        BuiltinParameter("stride", type: "Int or List", default: .int(1), doc: "the step (an Int, or [h, w])"),
        BuiltinParameter("padding", type: "String", default: .string("same"), doc: "\"same\" (TensorFlow's, as the reference) or \"valid\""),
    ]

    static let conv2d = Builtin(
        name: "conv2d",
        parameters: [
            BuiltinParameter(nil, name: "x", type: "Tensor", doc: "the input [N, C, H, W]"),
            BuiltinParameter(nil, name: "weights", type: "Tensor", doc: "the filters [O, C, kh, kw] (a conv layer's .weights)"),
            BuiltinParameter("bias", type: "Tensor", default: .nil, doc: "one value per output channel [O], or nil"),
        ] + windowParameters,
        returns: "Tensor",
        summary: "A 2-D convolution (cross-correlation, as the layers compute it): [N, C, H, W] → [N, O, H′, W′].",
        example: "let layer = net.layer(\"conv2\")\nconv2d(a, max(layer.weights, 0), stride: layer.stride, padding: layer.padding)"
    ) { args, _ in
        let x = try images(args, "x"), w = try args.tensor("weights")
        let bias = args.isNil("bias") ? nil : try args.tensor("bias")
        let (stride, padding) = (try pair(args, "stride"), try padding(args))
        let floats = try engine("conv2d") { try WorkingMemory.convolution(input: x.shape, weight: w.shape, stride: stride, padding: padding) }
        try Operators.reserveFloats(floats, for: "conv2d: the convolution of \(x.shape) with \(w.shape)")
        return .tensor(try engine("conv2d") {
            try Convolution2D.forward(input: x, weight: w, bias: bias, stride: stride, padding: padding)
        })
    }

    static let convTranspose2d = Builtin(
        name: "convTranspose2d",
        parameters: [
            BuiltinParameter(nil, name: "signal", type: "Tensor", doc: "a signal at the convolution's output [N, O, H′, W′]"),
            BuiltinParameter(nil, name: "weights", type: "Tensor", doc: "the filters [O, C, kh, kw]"),
            BuiltinParameter("inputShape", type: "List", doc: "the convolution's input shape [N, C, H, W]"),
        ] + windowParameters,
        returns: "Tensor",
        summary: "The transposed convolution: the gradient of conv2d with respect to its input, applied to `signal`.",
        details: "This is c = Wᵀ s of the LRP recipe for a conv layer (the convolution with W, transposed).",
        example: "convTranspose2d(s, max(w, 0), inputShape: a.shape, stride: 1, padding: \"same\")"
    ) { args, _ in
        let s = try images(args, "signal"), w = try args.tensor("weights")
        let shape = try inputShape(args)
        let (stride, padding) = (try pair(args, "stride"), try padding(args))
        let floats = try engine("convTranspose2d") {
            try WorkingMemory.transposedConvolution(weight: w.shape, inputShape: shape, stride: stride, padding: padding)
        }
        try Operators.reserveFloats(floats, for: "convTranspose2d: the result \(shape)")
        return .tensor(try engine("convTranspose2d") {
            try Convolution2D.inputGradient(outputGradient: s, weight: w, inputShape: shape, stride: stride, padding: padding)
        })
    }

    static let poolParameters = [
        BuiltinParameter("window", type: "Int or List", default: .int(2), doc: "the window (an Int, or [h, w])"),
        BuiltinParameter("stride", type: "Int or List", default: .int(2), doc: "the step (an Int, or [h, w])"),
        BuiltinParameter("padding", type: "String", default: .string("same"), doc: "\"same\" (TensorFlow's) or \"valid\""),
    ]

    static let maxPool = Builtin(
        name: "maxPool",
        parameters: [BuiltinParameter(nil, name: "x", type: "Tensor", doc: "the input [N, C, H, W]")] + poolParameters,
        returns: "Tensor",
        summary: "Max pooling (padded cells never win).",
        example: "maxPool(a, window: 2, stride: 2)"
    ) { args, _ in
        let x = try images(args, "x")
        let (window, stride, padding) = (try pair(args, "window"), try pair(args, "stride"), try padding(args))
        let floats = try engine("maxPool") { try WorkingMemory.pooling(input: x.shape, window: window, stride: stride, padding: padding) }
        try Operators.reserveFloats(floats, for: "maxPool: the pooling of \(x.shape)")
        return .tensor(try engine("maxPool") { try Pooling2D.maxForward(x, window: window, stride: stride, padding: padding) })
    }

    static let avgPool = Builtin(
        name: "avgPool",
        parameters: [BuiltinParameter(nil, name: "x", type: "Tensor", doc: "the input [N, C, H, W]")] + poolParameters,
        returns: "Tensor",
        summary: "Average pooling (the divisor counts only real cells, as TensorFlow's SAME).",
        example: "avgPool(a, window: 2, stride: 2)"
    ) { args, _ in
        let x = try images(args, "x")
        let (window, stride, padding) = (try pair(args, "window"), try pair(args, "stride"), try padding(args))
        let floats = try engine("avgPool") { try WorkingMemory.pooling(input: x.shape, window: window, stride: stride, padding: padding) }
        try Operators.reserveFloats(floats, for: "avgPool: the pooling of \(x.shape)")
        return .tensor(try engine("avgPool") { try Pooling2D.averageForward(x, window: window, stride: stride, padding: padding) })
    }

    static let maxPoolGradient = Builtin(
        name: "maxPoolGradient",
        parameters: [
            BuiltinParameter(nil, name: "x", type: "Tensor", doc: "the pooling's input [N, C, H, W]"),
            BuiltinParameter(nil, name: "signal", type: "Tensor", doc: "a signal at its output"),
        ] + poolParameters,
        returns: "Tensor",
        summary: "The max pooling's input gradient: each window's signal goes to its first maximal cell (winner takes all).",
        example: "maxPoolGradient(a, r)"
    ) { args, _ in
        let x = try images(args, "x"), s = try images(args, "signal")
        try Operators.reserveFloats(x.count, for: "maxPoolGradient: the result \(x.shape)")
        return .tensor(try engine("maxPoolGradient") {
            try Pooling2D.maxBackward(input: x, outputGradient: s, window: try pair(args, "window"), stride: try pair(args, "stride"),
                                      padding: try padding(args))
        })
    }

    static let avgPoolGradient = Builtin(
        name: "avgPoolGradient",
        parameters: [
            BuiltinParameter(nil, name: "signal", type: "Tensor", doc: "a signal at the pooling's output"),
            BuiltinParameter("inputShape", type: "List", doc: "the pooling's input shape [N, C, H, W]"),
        ] + poolParameters,
        returns: "Tensor",
        summary: "The average pooling's input gradient: each window's signal spread evenly over its real cells.",
        details: "The proportional pooling rule is a ⊙ avgPoolGradient(R / avgPool(a)).",
        example: "a * avgPoolGradient(r / (avgPool(a) + 1e-10), inputShape: a.shape)"
    ) { args, _ in
        let s = try images(args, "signal")
        let shape = try inputShape(args)
        try Operators.reserveFloats(Operators.valueCount(shape), for: "avgPoolGradient: the result \(shape)")
        return .tensor(try engine("avgPoolGradient") {
            try Pooling2D.averageBackward(inputShape: shape, outputGradient: s, window: try pair(args, "window"),
                                          stride: try pair(args, "stride"), padding: try padding(args))
        })
    }
}
