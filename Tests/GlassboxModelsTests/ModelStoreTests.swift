import Foundation
import XCTest
import GlassboxModels

final class ModelStoreTests: XCTestCase {
    private func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gb-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testMissingWeightsSayHowToTrain() throws {
        let store = ModelStore(directories: [try directory()], environment: ["XDG_CACHE_HOME": try directory().path],
                               includeBundled: false)
        XCTAssertThrowsError(try store.load("chapter-2.1")) { error in
            XCTAssertTrue("\(error)".hasPrefix("no bundled weights for cnn-do; train with `glassbox train cnn-do`"), "\(error)")
        }
        XCTAssertThrowsError(try store.load("nonsense")) { error in XCTAssertTrue(error is UnknownModelError) }
    }

    func testFindsTheBundledWeightsResource() {
        let directories = ModelStore.bundledWeightsDirectories
        XCTAssertFalse(directories.isEmpty, "the Weights resource of GlassboxModels was not found")
        XCTAssertTrue(directories.contains { FileManager.default.fileExists(atPath: $0.appendingPathComponent("README.md").path) })
        XCTAssertEqual(Array(ModelStore().searchDirectories.suffix(directories.count)), directories)
    }

    /// The bundled weights ship inside the package (and every checkout): all of them together stay
    /// within 40 MB (Weights/README.md says what was chosen to fit).
    func testTheBundledWeightsFitTheirBudget() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/GlassboxModels/Weights")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".safetensors") }
        XCTAssertFalse(files.isEmpty)
        let total = try files.reduce(0) { sum, file in
            sum + ((try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(file).path)[.size] as? Int) ?? 0)
        }
        XCTAssertLessThanOrEqual(total, 40_000_000, "the bundled weights take \(total) bytes, more than the 40 MB budget")
    }

    func testFindsWeightsInSearchDirectoriesAndChecksTheArchitecture() throws {
        let first = try directory(), second = try directory()
        let entry = try ModelZoo.entry(named: "allconv")
        let model = try entry.architecture.build(seed: 4)
        try ModelFile.save(model, architecture: entry.architecture, info: nil, to: second.appendingPathComponent("allconv.safetensors"))
        let store = ModelStore(directories: [first], environment: ["GLASSBOX_MODELS": second.path, "XDG_CACHE_HOME": first.path],
                               includeBundled: false)
        XCTAssertEqual(store.searchDirectories.count, 3)
        XCTAssertEqual(store.searchDirectories[2], ModelStore.userCacheDirectory(environment: ["XDG_CACHE_HOME": first.path]))
        XCTAssertEqual(ModelStore.userCacheDirectory(environment: ["XDG_CACHE_HOME": "/x"]).path, "/x/glassbox/models")
        let loaded = try ModelZoo.load("chapter-3.3", store: store)
        XCTAssertEqual(loaded.model.parameters.map(\.value), model.parameters.map(\.value))

        // A file under the right name but with another architecture is refused.
        let other = try ModelZoo.entry(named: "cnn-stride")
        try ModelFile.save(try other.architecture.build(seed: 1), architecture: other.architecture, info: nil,
                           to: first.appendingPathComponent("allconv.safetensors"))
        XCTAssertThrowsError(try store.load("allconv")) { error in
            XCTAssertTrue(error is WeightsMismatchError, "\(error)")
        }
    }
}
