import XCTest
import GlassboxEngine
@testable import GlassboxLanguage
@testable import GlassboxModels

/// Writing a rule in the language: tensor algebra, model internals, forward records, and `check`,
/// the exercise loop. The four-step z⁺ rule written in the language must equal the built-in one.
final class ExerciseTests: XCTestCase {
    /// The z⁺ rule for a dense layer and for a conv layer, in the language, as a student writes them.
    static let rules = """
    /// z⁺ for a dense layer: z = a·W⁺ᵀ + b⁺, s = R/z, c = s·W⁺, R_in = a ⊙ c.
    func zPlusDense(a: Tensor, layer: Layer, r: Tensor) -> Tensor {
        let wp = max(layer.weights, 0)
        var z = matmul(a, transpose(wp)) + 1e-10
        if layer.bias != nil { z = z + max(layer.bias, 0) }
        return a * matmul(r / z, wp)
    }
    /// z⁺ for a conv layer, with the transposed convolution.
    func zPlusConv(a: Tensor, layer: Layer, r: Tensor) -> Tensor {
        let wp = max(layer.weights, 0)
        let z = conv2d(a, wp, stride: layer.stride, padding: layer.padding) + 1e-10
        return a * convTranspose2d(r / z, wp, inputShape: a.shape, stride: layer.stride, padding: layer.padding)
    }
    /// Relevance from the logit of class `c` through every layer, z⁺ everywhere, max pooling to the winner.
    func zPlusChain(net: Model, xs: ImageBatch, c: Int) -> Tensor {
        let run = forward(net, xs)
        var onehot = []
        for k in 0..<10 {
            if k == c { onehot = onehot + [1] } else { onehot = onehot + [0] }
        }
        var r = run.output * tensor(onehot)
        for name in run.layers.reversed() {
            let layer = net.layer(name)
            let a = run.input(name)
            if layer.kind == "dense" { r = zPlusDense(a: a, layer: layer, r: r) }
            else if layer.kind == "conv2d" { r = zPlusConv(a: a, layer: layer, r: r) }
            else if layer.kind == "maxpool" { r = maxPoolGradient(a, r, window: layer.window, stride: layer.stride, padding: layer.padding) }
            else if layer.kind == "flatten" { r = r.reshaped(a.shape) }
        }
        return r
    }
    """

    func testTheFourStepZPlusRuleInTheLanguageEqualsTheBuiltInRule() throws {
        let h = BindingsHarness()
        h.run(Self.rules)
        for name in ["mlp-b", "cnn-max-nb"] {
            guard case .success = h.run("let net = model(\"\(name)\")\nlet xs = tiny.test[0..<3]") else { return XCTFail(h.result("net")) }
            guard case .success = h.run("let mine = zPlusChain(net: net, xs: xs, c: 3)") else { return XCTFail("\(name): " + h.result("mine")) }
            // check prints ✓ and returns nothing; a failure would end the cell with an AssertionError.
            let outcome = h.run("check(mine, against: lrp(net, xs, composite: \"ZPlus\", target: 3), tolerance: 1e-4)")
            guard case .success = outcome else { return XCTFail("\(name): \(outcome)") }
            XCTAssertTrue(h.host.stdout.contains("✓ matches within"), h.host.stdout)
        }
    }

    func testCheckReportsTheWrongRuleWithItsPlace() throws {
        let h = BindingsHarness()
        h.run(Self.rules)
        h.run("let net = model(\"mlp-b\")\nlet xs = tiny.test[0..<2]\nlet right = lrp(net, xs, composite: \"ZPlus\", target: 3)")
        // Forgetting the input factor (R_in = c instead of a ⊙ c) is wrong everywhere.
        h.run("""
        func wrongDense(a: Tensor, layer: Layer, r: Tensor) -> Tensor {
            let wp = max(layer.weights, 0)
            let z = matmul(a, transpose(wp)) + max(layer.bias, 0) + 1e-10
            return matmul(r / z, wp)
        }
        """)
        let wrong = h.error("let run = forward(net, xs)\nvar r = right.values\ncheck(wrongDense(a: run.input(\"fc1\"), layer: net.layer(\"fc1\"), r: run[\"fc1\"]), against: run.input(\"fc1\"))")
        XCTAssertEqual(wrong?.kind, .assertion)
        XCTAssertTrue(wrong?.message.hasPrefix("✗ differs by") == true, wrong?.message ?? "")
        XCTAssertTrue(wrong?.message.contains("image ") == true, wrong?.message ?? "")
        // A flipped sign is recognised; so is a constant factor; and image-shaped places name row and column.
        guard case .success = h.run("let m = right.values") else { return XCTFail() }
        let flipped = h.error("check(m * -1, against: right)")
        XCTAssertTrue(flipped?.message.contains("the signs are flipped") == true, flipped?.message ?? "")
        let doubled = h.error("check(m * 2, against: right)")
        XCTAssertTrue(doubled?.message.contains("times 2") == true, doubled?.message ?? "")
        XCTAssertTrue(doubled?.message.contains("row") == true && doubled?.message.contains("column") == true, doubled?.message ?? "")
        XCTAssertEqual(h.error("check(m[0], against: right)")?.message.contains("shapes differ"), true)
        XCTAssertNil(h.error("check(m, against: right)"))
        XCTAssertEqual(h.error("assert(1 > 2, \"one is not more than two\")")?.message, "one is not more than two")
        XCTAssertEqual(h.error("assert(1 > 2)")?.kind, .assertion)
        XCTAssertNil(h.error("assert(2 > 1)"))
    }

    /// One conv layer on its own: the language's four-step z⁺ (conv2d, then convTranspose2d) against the
    /// model's own LRP-αβ rule (α = 1) applied to the same recorded layer of the bundled CNN-MAX-NB.
    func testTheFourStepZPlusRuleOnOneConvLayerOfCNNMaxNBEqualsTheBuiltInRule() throws {
        let h = BindingsHarness()
        h.run(Self.rules)
        let cell = """
        let net = model("cnn-max-nb")
        let images = tiny.test[0..<4].values
        let run = forward(net, images)
        let mine = zPlusConv(a: run.input("conv2"), layer: net.layer("conv2"), r: run["relu2"])
        """
        guard case .success = h.run(cell) else { return XCTFail(h.result("mine")) }
        guard case .tensor(let mine)? = h.session.value(of: "mine"), case .tensor(let images)? = h.session.value(of: "images"),
              case .object(let model as ModelValue)? = h.session.value(of: "net") else { return XCTFail("values missing") }
        let record = try model.handle.network.forwardRecording(images, training: false)
        let step = try XCTUnwrap(record.step(named: "conv2"))
        let relevance = try XCTUnwrap(record.step(named: "relu2")).output
        let builtIn = try LRPAlphaBetaRule().propagate(relevance, context: RuleContext(step: step, reference: nil, isInputLayer: false,
                                                                                           accumulateParameterGradients: false))
        XCTAssertEqual(mine.shape, builtIn.shape)
        XCTAssertEqual(mine.shape, [4, 32, 14, 14])
        let scale = builtIn.scalars.map { abs($0) }.max() ?? 0
        XCTAssertGreaterThan(scale, 0)
        let worst = zip(mine.scalars, builtIn.scalars).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "largest difference \(worst) of \(scale)")
        // And through the language's check: ✓.
        XCTAssertNil(h.error("check(mine, against: mine * 1)"))
    }

    /// A deliberately wrong rule (step 4 forgotten in the layer touching the pixels: R = c instead of
    /// a ⊙ c) against the built-in z⁺ map: ✗, and the place named is where the largest difference is.
    func testCheckNamesThePlaceOfTheLargestDifferenceForAWrongRule() throws {
        let h = BindingsHarness()
        h.run(Self.rules)
        h.run("""
        /// z⁺ from the logit of class c through an MLP, with step 4 forgotten at the first dense layer.
        func forgetfulChain(net: Model, xs: ImageBatch, c: Int) -> Tensor {
            let run = forward(net, xs)
            var onehot = []
            for k in 0..<10 {
                if k == c { onehot = onehot + [1] } else { onehot = onehot + [0] }
            }
            var r = run.output * tensor(onehot)
            for name in run.layers.reversed() {
                let layer = net.layer(name)
                let a = run.input(name)
                if layer.kind == "dense" && layer.isInputLayer {
                    let wp = max(layer.weights, 0)
                    r = matmul(r / (matmul(a, transpose(wp)) + max(layer.bias, 0) + 1e-10), wp)
                } else if layer.kind == "dense" {
                    r = zPlusDense(a: a, layer: layer, r: r)
                }
            }
            return r
        }
        """)
        guard case .success = h.run("""
        let net = model("mlp-b")
        let xs = tiny.test[0..<3]
        let wrong = forgetfulChain(net: net, xs: xs, c: 3)
        let right = lrp(net, xs, composite: "ZPlus", target: 3)
        let rightValues = right.values
        """) else { return XCTFail(h.result("wrong")) }
        let failure = try XCTUnwrap(h.error("check(wrong, against: right)"))
        XCTAssertEqual(failure.kind, .assertion)
        guard case .tensor(let wrong)? = h.session.value(of: "wrong"), case .tensor(let right)? = h.session.value(of: "rightValues") else {
            return XCTFail("values missing")
        }
        XCTAssertEqual(right.shape, [3, 1, 28, 28])
        // Where the largest difference is (the first one, on ties), computed here independently.
        var worst: Float = -1, at = 0
        for (i, (a, b)) in zip(wrong.scalars, right.scalars).enumerated() where abs(a - b) > worst {
            worst = abs(a - b)
            at = i
        }
        let (image, row, column) = (at / 784, (at % 784) / 28, at % 28)
        XCTAssertTrue(failure.message.hasPrefix("✗ differs by"), failure.message)
        XCTAssertTrue(failure.message.contains("at image \(image), row \(row), column \(column): yours"), "\(failure.message) — expected image \(image), row \(row), column \(column)")

        // One wrong pixel in an otherwise right map is found where it is.
        var scalars = right.scalars
        scalars[1 * 784 + 5 * 28 + 7] += 1
        h.session.define("onePixelOff", .tensor(Tensor(shape: right.shape, scalars: scalars)))
        let onePixel = try XCTUnwrap(h.error("check(onePixelOff, against: right)"))
        XCTAssertTrue(onePixel.message.contains("at image 1, row 5, column 7"), onePixel.message)
        // Channels are named for multi-channel tensors, and identical values say so.
        h.run("let act = forward(model(\"cnn-max-nb\"), xs)[\"relu2\"]")
        let channel = try XCTUnwrap(h.error("check(act * 2, against: act)"))
        XCTAssertTrue(channel.message.contains(", channel "), channel.message)
        XCTAssertTrue(channel.message.contains("yours is the reference times 2"), channel.message)
        guard case .success = h.run("check(right, against: right)") else { return XCTFail() }
        XCTAssertTrue(h.host.stdout.contains("✓ matches within 0.0001 (identical values)"), h.host.stdout)
    }

    func testTensorAlgebra() {
        let h = BindingsHarness(defineTiny: false)
        XCTAssertEqual(h.result("matmul(tensor([[1, 2], [3, 4]]), tensor([[1], [1]])).toList()"), "[3.0, 7.0]")
        XCTAssertEqual(h.result("transpose(tensor([[1, 2, 3], [4, 5, 6]])).shape"), "[3, 2]")
        XCTAssertEqual(h.result("transpose(tensor([[1, 2, 3], [4, 5, 6]])).toList()"), "[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]")
        XCTAssertEqual(h.result("transpose(zeros([2, 3, 4]), axes: [1, 2, 0]).shape"), "[3, 4, 2]")
        // Broadcasting a row and a column.
        XCTAssertEqual(h.result("(tensor([[1, 2], [3, 4]]) + tensor([10, 20])).toList()"), "[11.0, 22.0, 13.0, 24.0]")
        XCTAssertEqual(h.result("(tensor([[1, 2], [3, 4]]) * tensor([[10], [100]])).toList()"), "[10.0, 20.0, 300.0, 400.0]")
        XCTAssertEqual(h.error("tensor([1, 2, 3]) + tensor([1, 2])")?.kind, .value)
        XCTAssertEqual(h.result("max(tensor([-1, 2]), 0).toList()"), "[0.0, 2.0]")
        XCTAssertEqual(h.result("min(tensor([-1, 2]), 0).toList()"), "[-1.0, 0.0]")
        XCTAssertEqual(h.result("max(3, 1, 2)"), "3")
        XCTAssertEqual(h.result("where(tensor([1, -1, 2]) > 0, tensor([1, 2, 3]), 0).toList()"), "[1.0, 0.0, 3.0]")
        XCTAssertEqual(h.result("sum(tensor([[1, 2], [3, 4]]), axis: 0).toList()"), "[4.0, 6.0]")
        XCTAssertEqual(h.result("sum(tensor([[1, 2], [3, 4]]), axis: 1, keepDims: true).shape"), "[2, 1]")
        XCTAssertEqual(h.result("mean(tensor([[1, 2], [3, 4]]), axis: -1).toList()"), "[1.5, 3.5]")
        XCTAssertEqual(h.error("sum(tensor([1, 2]), axis: 3)")?.kind, .value)
        XCTAssertEqual(h.error("matmul(tensor([[1, 2]]), tensor([[1, 2]]))")?.kind, .value)
        // Convolution and pooling with their input gradients: ⟨conv(x), g⟩ = ⟨x, convᵀ(g)⟩.
        h.run("""
        let x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]])
        let w = tensor([[[[1, 0], [0, -1]]]])
        let y = conv2d(x, w, padding: "valid")
        let g = tensor([[[[1, 2], [3, 4]]]])
        """)
        XCTAssertEqual(h.result("y.toList()"), "[-4.0, -4.0, -4.0, -4.0]")
        XCTAssertEqual(h.result("sum(y * g) == sum(x * convTranspose2d(g, w, inputShape: x.shape, padding: \"valid\"))"), "true")
        XCTAssertEqual(h.result("maxPool(x, window: 2, stride: 1, padding: \"valid\").toList()"), "[5.0, 6.0, 8.0, 9.0]")
        XCTAssertEqual(h.result("maxPoolGradient(x, g, window: 2, stride: 1, padding: \"valid\").toList()"),
                       "[0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 3.0, 4.0]")
        XCTAssertEqual(h.result("avgPool(x, window: 3, stride: 3).toList()"), "[5.0]")
        XCTAssertEqual(h.result("sum(avgPoolGradient(tensor([[[[9]]]]), inputShape: x.shape, window: 3, stride: 3))"), "9.0")
        XCTAssertEqual(h.error("conv2d(x, w, padding: \"sam\")")?.suggestions.first, "same")
    }

    func testModelInternals() {
        let h = BindingsHarness()
        h.run("let net = model(\"cnn-max-nb\", untrained: true)\nlet run = forward(net, tiny.test[0..<2])")
        XCTAssertEqual(h.result("net.layer(\"conv2\").weights.shape"), "[64, 32, 3, 3]")
        XCTAssertEqual(h.result("net.layer(\"conv2\").bias == nil"), "true")
        XCTAssertEqual(h.result("net.layer(\"conv1\").isInputLayer"), "true")
        XCTAssertEqual(h.result("net.layer(\"pool1\").window"), "[2, 2]")
        XCTAssertEqual(h.result("run[\"relu3\"].shape"), "[2, 128, 7, 7]")
        XCTAssertEqual(h.result("run.input(\"fc1\").shape"), "[2, 2048]")
        XCTAssertEqual(h.result("run.output.shape"), "[2, 10]")
        XCTAssertEqual(h.result("abs(run.output - predict(net, tiny.test[0..<2]).logits).max()"), "0.0")
        XCTAssertEqual(h.error("net.layer(\"conv9\")")?.suggestions.first, "conv1")
        XCTAssertEqual(h.error("run[\"relu9\"]")?.kind, .index)
    }
}
