import Foundation
import GlassboxEngine
import GlassboxMethods
import XCTest
@testable import GlassboxLanguage

/// The perturbation methods' builtins: occlusion, lime and kernelShap from the catalog, with their
/// options, Kernel SHAP's efficiency receipt, and clear errors for bad options.
final class BindingsPerturbationTests: XCTestCase {
    private func harness() -> BindingsHarness {
        let h = BindingsHarness()
        h.run("let net = model(\"cnn-max-nb\", untrained: true, seed: 2)\nlet mlp = model(\"mlp-b\", untrained: true, seed: 1)\nlet xs = tiny.test[0..<3]")
        return h
    }

    func testThePerturbationMethodsRunWithTheirOptionsAndStyles() throws {
        let h = harness()
        for call in ["occlusion(net, xs, patch: 7, stride: 7, fill: 0.5)", "lime(mlp, xs, samples: 40, segments: 9, kernelWidth: 0.5, seed: 3)",
                     "kernelShap(net, xs, samples: 30, segments: 4, target: \"label\")"] {
            guard case .success = h.run("let e = " + call) else { XCTFail(call + ": " + h.result("e")); continue }
            guard case .object(let e as ExplanationValue)? = h.session.value(of: "e") else { XCTFail(call); continue }
            XCTAssertEqual(e.style.colormap.name, "bwr", call)
            XCTAssertEqual(e.explanation.attributions.shape, [3, 1, 28, 28], call)
        }
        // Occlusion with patch = stride = 7: every 7 × 7 cell holds one value, the drop from removing it.
        guard case .tensor(let maps) = try h.value("occlusion(net, xs, patch: 7, stride: 7).values") else { return XCTFail() }
        XCTAssertEqual(maps.scalars[0], maps.scalars[6 * 28 + 6])
        // The settings are in the title; the seed changes LIME's samples.
        XCTAssertTrue(h.result("lime(net, xs, samples: 20).method").contains("LIME"))
        XCTAssertNotEqual(h.result("lime(net, xs, samples: 20, seed: 1).values"), h.result("lime(net, xs, samples: 20, seed: 2).values"))
        XCTAssertEqual(h.result("lime(net, xs, samples: 20, seed: 1).values"), h.result("lime(net, xs, samples: 20, seed: 1).values"))
    }

    func testKernelSHAPShowsItsEfficiencyReceipt() throws {
        let h = harness()
        XCTAssertNil(h.error("let e = kernelShap(net, xs, samples: 50, target: \"label\")"))
        guard case .double(let error) = try h.value("e.receiptError") else { return XCTFail("no receipt") }
        XCTAssertLessThan(error, 1e-5)
        guard case .object(let table as TableValue) = try h.value("e.receipt") else { return XCTFail() }
        XCTAssertEqual(table.table.rows.count, 3)
        XCTAssertTrue(h.result("e").contains("efficiency"), h.result("e"))
        // With every coalition (4 segments: 14) the title says so.
        XCTAssertTrue(h.result("kernelShap(net, xs, segments: 4).title").contains("all 14"), h.result("kernelShap(net, xs, segments: 4).title"))
    }

    func testBadOptionsAreValueErrorsAtTheArgument() throws {
        let h = harness()
        XCTAssertEqual(h.error("lime(net, xs, kernelWidht: 1)")?.suggestions.first, "kernelWidth:")
        let patch = try XCTUnwrap(h.error("occlusion(net, xs, patch: 40)"))
        XCTAssertEqual(patch.kind, .value)
        XCTAssertTrue(patch.message.contains("argument 'patch'"), patch.message)
        let segments = try XCTUnwrap(h.error("kernelShap(net, xs, segments: 1000)"))
        XCTAssertTrue(segments.message.contains("argument 'segments'"), segments.message)
        XCTAssertEqual(h.error("lime(net, xs, samples: 1)")?.kind, .value)
        XCTAssertNotNil(h.error("occlusion(net, xs, layer: \"pool1\")"), "perturbation methods explain classes, not channels")
        XCTAssertEqual(h.result("1 + 1"), "2")
    }
}

/// meaningfulPerturbation: the optimising methods get `liveEvery` from the catalog mechanism, show
/// their masks updating in place under one display id, and default to the output their declaration
/// names (ReLU(S_c) here).
final class BindingsMeaningfulPerturbationTests: XCTestCase {
    func testTheMasksUpdateInPlaceAndTheDefaultsComeFromTheDeclaration() throws {
        let h = BindingsHarness()
        h.run("let net = model(\"cnn-max-nb\", untrained: true, seed: 2)\nlet xs = tiny.test[0..<2]")
        guard case .success = h.run("let e = meaningfulPerturbation(net, xs, steps: 30, liveEvery: 10)") else {
            return XCTFail(h.host.stderr)
        }
        let live = h.host.displays.filter { $0.1?.contains("live") == true }
        XCTAssertEqual(live.count, 1, "one live display")
        let id = try XCTUnwrap(live.first?.1)
        XCTAssertTrue(live.first?.0.text.hasPrefix("meaningfulPerturbation · step 0/30 · cost ") == true, live.first?.0.text ?? "")
        XCTAssertTrue(h.host.updates.filter { $0.1 == id }.last?.0.text.hasPrefix("meaningfulPerturbation · done: 30 steps") == true)
        guard case .object(let e as ExplanationValue)? = h.session.value(of: "e") else { return XCTFail() }
        XCTAssertEqual(e.explanation.output, .reluLogit)
        XCTAssertEqual(e.explanation.attributions.shape, [2, 1, 28, 28])
        XCTAssertEqual(h.result("e.baselineOutputs.count"), "2")
        // e.perturbed: the images with the learned region deleted, whose f is e.baselineOutputs.
        XCTAssertEqual(h.result("e.perturbed.count"), "2")
        guard case .object(let perturbed as ImageBatch) = try h.value("e.perturbed") else { return XCTFail("no perturbed images") }
        let again = e.explanation.perturbedInputs.map { $0.reshaped(perturbed.images.shape) }
        XCTAssertEqual(again?.scalars, perturbed.images.scalars)
        XCTAssertEqual(h.result("saliency(net, xs).perturbed"), "<none>")
        // liveEvery is offered only to the optimising methods; output follows the declaration.
        h.run("help(meaningfulPerturbation)")
        let help = h.host.displays.last?.0.text ?? ""
        XCTAssertTrue(help.contains("liveEvery: Int = 10"), help)
        XCTAssertTrue(help.contains("output: String = \"reluLogit\""), help)
        XCTAssertEqual(h.error("occlusion(net, xs, liveEvery: 3)")?.kind, .type)
        XCTAssertEqual(h.error("meaningfulPerturbation(net, xs, steps: 2, liveEvery: -1)")?.message,
                       "meaningfulPerturbation: argument 'liveEvery' must be ≥ 0 (0 = no live view), got -1")
        XCTAssertEqual(h.error("meaningfulPerturbation(net, xs, fill: \"noise\")")?.kind, .value)
        let before = h.host.displays.count
        h.run("meaningfulPerturbation(net, xs, steps: 3, liveEvery: 0);")
        XCTAssertFalse(h.host.displays.dropFirst(before).contains { $0.1?.contains("live") == true })
    }
}
