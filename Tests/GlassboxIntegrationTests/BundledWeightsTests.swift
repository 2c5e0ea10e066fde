import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxModels
import XCTest

/// Every weights file bundled in `Sources/GlassboxModels/Weights/` is a trained zoo model whose test
/// accuracy matches what the reference chapter reports, and the package resource serves the same
/// file. MNIST models are checked on the MNIST test split within one percentage point (the
/// reference's numbers are single unseeded runs); the cluttered-MNIST models of chapter 4 on the
/// test split of generated cluttered MNIST (seed 0, the reference's algorithm but not its file, and
/// only 1,000 images) within two points.
final class BundledWeightsTests: XCTestCase {
    /// Test accuracies the reference chapters print, by zoo name (the lower one where two chapters
    /// train the same architecture separately).
    static let referenceAccuracy: [String: Double] = [
        "mlp-a": 0.9800, "cnn-do": 0.9892, "mlp-nb": 0.9799, "mlp-b": 0.9793, "cnn-max-nb": 0.9917,
        "cnn-max-b": 0.9801, "cnn-avg-nb": 0.9935, "cnn-avg-nb-2": 0.9926, "cnn-stride": 0.9911, "cnn-stride-c": 0.9835,
        "allconv": 0.9865, "clut-gap": 0.916, "clut-fc": 0.957, "clut-fc-2": 0.947,
    ]

    /// Bundled models that are not MNIST classifiers: checked for their architecture only here
    /// (the generator's own test trains and checks it).
    static let notClassifiers: Set<String> = ["gan-g", "gan-d"]

    private static var checkout: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    private static func loadMNIST() throws -> MNIST {
        let shared = checkout.deletingLastPathComponent().appendingPathComponent("shared/data/mnist", isDirectory: true)
        let explicit = FileManager.default.fileExists(atPath: shared.path) ? shared : nil
        return try MNIST.load(locator: MNISTLocator(explicitDirectory: explicit, downloader: nil))
    }

    func testBundledModelsReachTheReferenceAccuracy() throws {
        let folder = Self.checkout.appendingPathComponent("Sources/GlassboxModels/Weights", isDirectory: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".safetensors") }.sorted()
        XCTAssertFalse(files.isEmpty, "no weights are bundled in \(folder.path)")
        let mnist = try Self.loadMNIST()
        var cluttered: ClutteredMNIST?
        let store = ModelStore(environment: [:])
        for file in files {
            let name = String(file.dropLast(".safetensors".count))
            let entry = try ModelZoo.entry(named: name)
            XCTAssertEqual(entry.name, name, "bundled file \(file) is not named after its zoo entry")
            let loaded = try ModelFile.load(from: folder.appendingPathComponent(file))
            XCTAssertEqual(loaded.architecture.layers, entry.architecture.layers, "\(file) holds another architecture")
            // The package resource is the same file.
            let served = try store.load(name)
            XCTAssertEqual(served.model.parameters.map(\.value), loaded.model.parameters.map(\.value), "\(name): resource differs")
            if Self.notClassifiers.contains(name) { continue }
            guard let reference = Self.referenceAccuracy[name] else {
                XCTFail("no reference accuracy recorded for bundled model \(name)")
                continue
            }
            let test: LabelledImages
            let tolerance: Double
            switch entry.recipe.dataset {
            case .mnist:
                (test, tolerance) = (mnist.test, 0.01)
            case .cluttered:
                if cluttered == nil { cluttered = try ClutteredMNIST.generate(from: mnist) }
                (test, tolerance) = (cluttered!.test, 0.02)
            }
            let evaluation = try Trainer.evaluate(loaded.model, on: test)
            print("bundled \(name): \(entry.recipe.dataset.rawValue) test accuracy \(evaluation.accuracy) (reference \(reference))")
            XCTAssertGreaterThanOrEqual(evaluation.accuracy, reference - tolerance, "\(name): test accuracy")
        }
    }
}
