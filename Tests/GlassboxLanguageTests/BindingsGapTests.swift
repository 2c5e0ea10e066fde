import GlassboxEngine
import GlassboxFigures
import GlassboxMethods
import GlassboxModels
@testable import GlassboxLanguage
import XCTest

/// The language gaps the chapter notebooks hit: layer targets for the gradient methods, prototype
/// cost lines, stack/reshaped, title lists, SmoothGrad running averages, and negative zero.
final class BindingsGapTests: XCTestCase {
    private func tensor(_ h: BindingsHarness, _ code: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tensor {
        guard case .tensor(let t) = try h.value(code) else { XCTFail("\(code) is not a tensor", file: file, line: line); return Tensor(zeros: [0]) }
        return t
    }

    private func explanation(_ h: BindingsHarness, _ code: String) throws -> ExplanationValue {
        guard case .object(let e as ExplanationValue) = try h.value(code) else { throw ScriptError(.type, "\(code) is not an Explanation") }
        return e
    }

    // MARK: 1. layer: for saliency, sensitivity, gradientTimesInput

    func testGradientMethodsExplainAChannelOfALayer() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 2)\nlet x = tiny.test[0..<1]")
        let gradient = try tensor(h, "saliency(net, x, layer: \"fc2\", target: 3, absolute: false).values")
        XCTAssertEqual(h.result("saliency(net, x, layer: \"fc2\", target: 3).targets"), "[3]")
        // Central finite differences of unit 3 of fc2 (piecewise linear in x) at a few pixels.
        guard case .object(let model as ModelValue)? = h.session.value(of: "net"),
              case .object(let x as ImageBatch)? = h.session.value(of: "x") else { return XCTFail() }
        let network = model.handle.network
        func unit(_ input: Tensor) throws -> Double {
            let record = try network.forwardRecording(input, training: false)
            let fc2 = try XCTUnwrap(record.steps.first { $0.layer.name == "fc2" }?.output)
            return Double(fc2.scalars[3])
        }
        let largest = gradient.scalars.map { abs($0) }.max() ?? 0
        XCTAssertGreaterThan(largest, 0)
        for pixel in [100, 230, 350, 411, 500, 622] {
            let eps: Float = 1e-2
            var plus = x.images.scalars, minus = x.images.scalars
            plus[pixel] += eps
            minus[pixel] -= eps
            let fd = (try unit(Tensor(shape: x.images.shape, scalars: plus)) - unit(Tensor(shape: x.images.shape, scalars: minus))) / Double(2 * eps)
            XCTAssertEqual(Double(gradient.scalars[pixel]), fd, accuracy: 2e-3 * Double(largest) + 1e-5, "pixel \(pixel)")
        }
        // Sensitivity is its square, gradient × input multiplies by x.
        let squared = try tensor(h, "sensitivity(net, x, layer: \"fc2\", target: 3).values")
        let timesInput = try tensor(h, "gradientTimesInput(net, x, layer: \"fc2\", target: 3).values")
        for i in stride(from: 0, to: 784, by: 37) {
            XCTAssertEqual(squared.scalars[i], gradient.scalars[i] * gradient.scalars[i], accuracy: 1e-6 + 1e-4 * squared.scalars[i])
            XCTAssertEqual(timesInput.scalars[i], gradient.scalars[i] * x.images.scalars[i], accuracy: 1e-6)
        }
        XCTAssertEqual(h.error("saliency(net, x, layer: \"fc2\")")?.message,
                       "saliency: argument 'target' must give the channel to explain (an Int or a List) when 'layer' is set")
        XCTAssertEqual(h.error("saliency(net, x, layer: \"fc9\", target: 1)")?.message.hasPrefix("saliency: argument 'layer': model"), true)
    }

    // MARK: 2. classPrototypes prints the cost every reportEvery steps

    func testClassPrototypesPrintOneCostLinePerReport() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 2)")
        h.run("let p = classPrototypes(net, classes: [0, 3], steps: 25, reportEvery: 10)")
        let lines = h.host.stdout.split(separator: "\n").filter { $0.hasPrefix("step ") }
        XCTAssertEqual(lines.map { $0.split(separator: " ")[1] }, ["0", "10", "20"])
        // The printed costs are the method's own.
        guard case .object(let model as ModelValue)? = h.session.value(of: "net") else { return XCTFail() }
        let result = try ClassPrototype(model.handle.network, objective: .logitAscent(lambda: 0.01), classes: [0, 3], steps: 25,
                                        reportEvery: 10).run()
        XCTAssertEqual(lines.map(String.init), result.costs.dropLast().map { "step \($0.step) cost \(NumberFormat.significant(Double($0.cost), digits: 6))" })
        let last = try XCTUnwrap(result.costs.last)
        XCTAssertTrue(h.host.stdout.hasSuffix("classPrototypes: cost \(NumberFormat.significant(Double(result.costs[0].cost), digits: 6)) at step 0 → "
                                              + "\(NumberFormat.significant(Double(last.cost), digits: 6)) at step 25\n"), h.host.stdout)
        XCTAssertEqual(h.error("classPrototypes(net, steps: 5, reportEvery: 0)")?.message.contains("reportEvery"), true)
    }

    func testPrototypesFromABlankDeadStartSayWhyAndNoiseMoves() throws {
        // A bias-free ReLU network has every first-layer unit at exactly 0 on a blank image, so the
        // gradient there is zero and the reference's start from zeros cannot move.
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-nb\", untrained: true, seed: 1)")
        h.run("let blank = classPrototypes(net, classes: [2], steps: 5, reportEvery: 5)")
        XCTAssertTrue(h.host.stderr.contains("the cost did not move"), h.host.stderr)
        XCTAssertEqual(h.result("blank.values.sum()"), "0.0")
        h.run("let moved = classPrototypes(net, classes: [2], steps: 5, start: \"noise\", seed: 3)")
        guard case .tensor(let start) = try h.value("moved.values"), case .tensor(let again) = try h.value(
            "classPrototypes(net, classes: [2], steps: 5, start: \"noise\", seed: 3).values") else { return XCTFail() }
        XCTAssertEqual(start, again, "the noise start is seeded")
        // From noise the cost moves: the summary line's first and last costs differ.
        let summaries = h.host.stdout.split(separator: "\n").filter { $0.hasPrefix("classPrototypes: cost") }
        XCTAssertEqual(summaries.count, 3)
        let costs = summaries[1].split(separator: " ").compactMap { Double($0) }
        XCTAssertEqual(costs.count, 4, String(summaries[1]))  // cost, step, cost, step
        XCTAssertNotEqual(costs[0], costs[2], String(summaries[1]))
        XCTAssertEqual(h.error("classPrototypes(net, steps: 1, start: \"nosie\")")?.suggestions, ["noise"])
        // A gray start is 0.5 everywhere before the first step.
        guard case .tensor(let gray) = try h.value("classPrototypes(net, classes: [1], steps: 0, start: \"gray\").values") else { return XCTFail() }
        XCTAssertEqual(Set(gray.scalars), [0.5])
    }

    // MARK: 3. stack and reshaped

    func testStackJoinsExplanationsImagesAndTensorsInOrder() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 2)\nlet xs = tiny.test[0..<3]")
        let a = try explanation(h, "saliency(net, xs[0..<2], absolute: false)")
        let b = try explanation(h, "smoothGrad(net, xs[2], samples: 3)")
        let joined = try explanation(h, "stack([saliency(net, xs[0..<2], absolute: false), smoothGrad(net, xs[2], samples: 3)])")
        XCTAssertEqual(joined.explanation.attributions.shape, [3, 1, 28, 28])
        XCTAssertEqual(joined.explanation.attributions.scalars, a.explanation.attributions.scalars + b.explanation.attributions.scalars)
        XCTAssertEqual(joined.explanation.targets, a.explanation.targets + b.explanation.targets)
        XCTAssertEqual(joined.explanation.outputs, a.explanation.outputs + b.explanation.outputs)
        XCTAssertEqual(joined.images.labels, (a.images.labels ?? []) + (b.images.labels ?? []))
        XCTAssertEqual(joined.images.images.scalars, a.images.images.scalars + b.images.images.scalars)
        XCTAssertEqual(joined.explanation.method, "Saliency, SmoothGrad")
        // A receipt survives only when every part promises the same: gradient × input carries a
        // conservation receipt, saliency none, so their stack has none.
        XCTAssertNil(try explanation(h, "stack([gradientTimesInput(net, xs[0]), saliency(net, xs[1])])").explanation.receipt)
        XCTAssertEqual(try explanation(h, "stack([integratedGradients(net, xs[0], steps: 4), integratedGradients(net, xs[1], steps: 4)])")
            .explanation.receipt, .completeness)

        // Images with explanations: an ImageBatch whose later panels are the maps.
        guard case .object(let mixed as ImageBatch) = try h.value("stack([xs[0], saliency(net, xs[1..<3])])") else { return XCTFail() }
        XCTAssertEqual(mixed.count, 3)
        let maps = try explanation(h, "saliency(net, xs[1..<3])").explanation.attributions.scalars
        guard case .object(let xs as ImageBatch)? = h.session.value(of: "xs") else { return XCTFail() }
        XCTAssertEqual(Array(mixed.images.scalars[0..<784]), Array(xs.images.scalars[0..<784]))
        XCTAssertEqual(Array(mixed.images.scalars[784...]), maps)
        XCTAssertEqual(mixed.labels, xs.labels)   // the maps carry the labels of their inputs
        guard case .object(let images as ImageBatch) = try h.value("stack([xs[2], xs[0..<2]])") else { return XCTFail() }
        XCTAssertEqual(images.labels, [xs.labels![2], xs.labels![0], xs.labels![1]])

        // Tensors along the first axis.
        let t = try tensor(h, "stack([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])])")
        XCTAssertEqual(t.shape, [3, 2])
        XCTAssertEqual(t.scalars, [1, 2, 3, 4, 5, 6])

        // Errors name the argument and the shapes.
        XCTAssertEqual(h.error("stack([tensor([[1, 2]]), tensor([[1, 2, 3]])])")?.message,
                       "stack: argument 'items' holds a Tensor of shape [1, 3] at item 1 but item 0 has shape [1, 2]; only the first (batch) size may differ")
        XCTAssertEqual(h.error("stack([])")?.message, "stack: argument 'items' is empty; give at least one item to stack")
        XCTAssertEqual(h.error("stack([xs, 3])")?.message.hasPrefix("stack: argument 'items' must hold Explanations, ImageBatches or Tensors; item 1 is Int"), true)
        XCTAssertEqual(h.error("stack(xs)")?.kind, .type)
    }

    func testReshapedKeepsTheValuesInOrder() throws {
        let h = BindingsHarness()
        let t = try tensor(h, "tensor([1, 2, 3, 4, 5, 6]).reshaped([2, 3])")
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertEqual(t.scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try tensor(h, "tensor([1, 2, 3, 4, 5, 6]).reshaped([-1, 2])").shape, [3, 2])
        XCTAssertEqual(h.result("tensor([[1, 2], [3, 4]]).reshaped([4]).toList()"), "[1.0, 2.0, 3.0, 4.0]")
        XCTAssertEqual(h.error("tensor([1, 2, 3, 4, 5, 6]).reshaped([4, 2])")?.message,
                       "reshaped: argument 'shape' [4, 2] holds 8 values but the tensor of shape [6] has 6")
        XCTAssertEqual(h.error("tensor([1, 2, 3]).reshaped([-1, 2])")?.message,
                       "reshaped: argument 'shape' [-1, 2] cannot hold the 3 values of a tensor of shape [3]")
        XCTAssertEqual(h.error("tensor([1, 2]).reshaped([-1, -1])")?.message, "reshaped: argument 'shape' has more than one -1 in [-1, -1]")
        XCTAssertNotNil(h.error("tensor([1, 2]).reshaped([-2, -1])"))
        XCTAssertNotNil(h.error("tensor([]).reshaped([4611686018427387904, 4])"))
    }

    // MARK: 4. show(titles:) with a List

    func testTitleListsGiveOneTitlePerPanel() throws {
        let h = BindingsHarness()
        h.run("let xs = tiny.test[0..<2]")
        // A list of titles draws exactly what the equivalent template draws.
        h.run("show(xs, titles: [\"0\", \"1\"])")
        h.run("show(xs, titles: \"{index}\")")
        h.run("show(xs, titles: [\"1\", \"0\"])")
        XCTAssertEqual(h.host.displays.count, 3)
        let pngs = h.host.displays.map { $0.0.png }
        XCTAssertNotNil(pngs[0])
        XCTAssertEqual(pngs[0], pngs[1])
        XCTAssertNotEqual(pngs[0], pngs[2])
        var options = ImageGridOptions()
        options.titleList = ["input", "Digit {label}", ""]
        XCTAssertEqual(try options.title(index: 0, label: 4, function: "show"), "input")
        XCTAssertEqual(try options.title(index: 1, label: 4, function: "show"), "Digit 4")
        XCTAssertNil(try options.title(index: 2, label: 4, function: "show"))
        XCTAssertThrowsError(try options.title(index: 3, label: 4, function: "show"))
        XCTAssertEqual(h.error("show(xs, titles: [\"a\"])")?.message,
                       "show: argument 'titles' has 1 title for 2 panels; give one per panel")
        XCTAssertEqual(h.error("show(xs, titles: [\"a\", 2])")?.message, "show: argument 'titles' must hold Strings, item 1 is Int 2")
    }

    // MARK: 5. smoothGrad(runningAverages:)

    func testSmoothGradRunningAveragesAreTheMapsAfterTheFirstNSamples() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"mlp-a\", untrained: true, seed: 2)\nlet x = tiny.test[0..<1]")
        let sweep = try explanation(h, "smoothGrad(net, x, samples: 6, sigma: 0.1, seed: 3, runningAverages: [2, 6])")
        XCTAssertEqual(sweep.explanation.count, 2)
        XCTAssertEqual(sweep.panelTitles, ["N 2", "N 6"])
        let two = try tensor(h, "smoothGrad(net, x, samples: 2, sigma: 0.1, seed: 3).values")
        let six = try tensor(h, "smoothGrad(net, x, samples: 6, sigma: 0.1, seed: 3).values")
        let values = sweep.explanation.attributions.scalars
        XCTAssertNotEqual(two.scalars, six.scalars)
        for i in 0..<784 {
            XCTAssertEqual(values[i], two.scalars[i], accuracy: 1e-6 + 1e-5 * abs(two.scalars[i]))
            XCTAssertEqual(values[784 + i], six.scalars[i], accuracy: 1e-6 + 1e-5 * abs(six.scalars[i]))
        }
        // Without samples: the largest count; two images give count-major panels.
        let pair = try explanation(h, "smoothGrad(net, tiny.test[0..<2], sigma: 0.1, seed: 3, runningAverages: [1, 4])")
        XCTAssertEqual(pair.explanation.count, 4)
        XCTAssertEqual(pair.panelTitles, ["N 1, image 0", "N 1, image 1", "N 4, image 0", "N 4, image 1"])
        let four = try tensor(h, "smoothGrad(net, tiny.test[0..<2], samples: 4, sigma: 0.1, seed: 3).values")
        for i in stride(from: 0, to: 1568, by: 11) {
            XCTAssertEqual(pair.explanation.attributions.scalars[1568 + i], four.scalars[i], accuracy: 1e-6 + 1e-5 * abs(four.scalars[i]))
        }
        XCTAssertEqual(pair.images.labels, [pair.images.labels![0], pair.images.labels![1], pair.images.labels![0], pair.images.labels![1]])
        // Titles survive selection; a template given to show replaces them.
        XCTAssertEqual(try explanation(h, "smoothGrad(net, x, sigma: 0.1, runningAverages: [1, 2, 3])[1..<3]").panelTitles, ["N 2", "N 3"])
        h.run("show(smoothGrad(net, x, sigma: 0.1, runningAverages: [1, 2]), colorbar: false)")
        XCTAssertNotNil(h.host.displays.last?.0.png)
        XCTAssertEqual(h.error("smoothGrad(net, x, samples: 3, runningAverages: [5])")?.message,
                       "smoothGrad: argument 'runningAverages' has the count 5 but samples is 3; counts must lie in 1...3")
        XCTAssertEqual(h.error("smoothGrad(net, x, runningAverages: [0])")?.message,
                       "smoothGrad: argument 'runningAverages' has 0 at item 0; each must be at least 1")
    }

    // MARK: 6. negative zero

    func testNegativeZeroIsShownAsZero() throws {
        let h = BindingsHarness()
        XCTAssertEqual(h.result("-2.0 * 0.0"), "0.0")
        XCTAssertEqual(h.result("(tensor([-1.0, 1.0]) * 0.0).toList()"), "[0.0, 0.0]")
        XCTAssertEqual(h.result("let a = tensor([[-2, 2], [2, -2]])\n\"\\((a * (a > 0)).toList())\""), "\"[0.0, 2.0, 2.0, 0.0]\"")
        XCTAssertFalse(h.result("tensor([-1.0, 1.0]) * 0.0").contains("-0"))
        // Only the display: the value keeps its sign.
        guard case .double(let zero) = try h.value("-2.0 * 0.0") else { return XCTFail() }
        XCTAssertEqual(zero.sign, .minus)
    }
}
