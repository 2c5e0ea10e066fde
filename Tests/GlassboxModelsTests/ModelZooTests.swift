import XCTest
import GlassboxModels

final class ModelZooTests: XCTestCase {
    func testEveryZooArchitectureIsConsistentAndHasTheReferenceParameterCount() throws {
        let expected: [String: Int] = [
            "mlp-a": 454_230, "gan-g": 114_064, "gan-d": 100_609, "cnn-do": 1_379_557, "mlp-nb": 1_192_960,
            "mlp-b": 1_195_018, "cnn-max-nb": 1_378_698, "cnn-max-b": 1_379_557, "cnn-avg-nb": 1_378_698,
            "cnn-stride": 436_202, "cnn-stride-c": 436_202, "allconv": 131_050, "clut-gap": 93_952, "clut-fc": 8_098_698,
            "cnn-avg-nb-2": 1_378_698, "clut-fc-2": 8_098_698,
        ]
        XCTAssertEqual(Set(ModelZoo.names), Set(expected.keys))
        for entry in ModelZoo.entries {
            XCTAssertEqual(entry.architecture.parameterCount, expected[entry.name], entry.name)
            XCTAssertEqual(entry.referenceParameterCount, expected[entry.name], entry.name)
            XCTAssertEqual(entry.architecture.name, entry.name)
            let output = try entry.architecture.outputShape()
            switch entry.name {
            case "gan-g": XCTAssertEqual(output, [1, 28, 28])
            case "gan-d": XCTAssertEqual(output, [1])
            default:
                XCTAssertEqual(output, [10], entry.name)
                XCTAssertEqual(entry.architecture.layers.last?.name, "logits", entry.name)
            }
        }
    }

    func testReferenceShapesAlongTheWay() throws {
        func shape(_ model: String, _ layer: String) throws -> [Int]? {
            let architecture = try ModelZoo.entry(named: model).architecture
            let shapes = try architecture.layerOutputShapes()
            return architecture.layers.firstIndex { $0.name == layer }.map { shapes[$0] }
        }
        XCTAssertEqual(try shape("cnn-do", "pool1"), [32, 14, 14])
        XCTAssertEqual(try shape("cnn-do", "pool2"), [64, 7, 7])
        XCTAssertEqual(try shape("cnn-do", "pool3"), [128, 4, 4])  // SAME pooling of 7 gives 4 (C5)
        XCTAssertEqual(try shape("cnn-do", "flatten"), [2048])
        XCTAssertEqual(try shape("clut-fc", "relu3"), [128, 10, 10])
        XCTAssertEqual(try shape("clut-gap", "gap"), [128, 1, 1])
        XCTAssertEqual(try shape("cnn-stride", "flatten"), [3136])
        XCTAssertEqual(try shape("allconv", "relu7"), [10, 7, 7])
    }

    func testNamesAndAliases() throws {
        XCTAssertEqual(try ModelZoo.entry(named: "CNN-MAX-B").name, "cnn-max-b")
        XCTAssertEqual(try ModelZoo.entry(named: "chapter-3.5").name, "cnn-stride-c")
        XCTAssertTrue(try ModelZoo.entry(named: "cnn-max-b").recipe.centreBatches)
        XCTAssertFalse(try ModelZoo.entry(named: "cnn-max-nb").recipe.centreBatches)
        XCTAssertFalse(try ModelZoo.entry(named: "clut-fc").recipe.shuffle)
        XCTAssertEqual(try ModelZoo.entry(named: "clut-gap").recipe.epochs, 20)
        XCTAssertThrowsError(try ModelZoo.entry(named: "resnet")) { error in
            XCTAssertTrue("\(error)".contains("mlp-a"), "\(error)")
        }
    }

    func testArchitectureJSONRoundTripAndValidation() throws {
        for entry in ModelZoo.entries {
            let json = try entry.architecture.jsonString()
            XCTAssertEqual(try Architecture.fromJSON(json), entry.architecture)
        }
        XCTAssertTrue(try ModelZoo.entry(named: "cnn-do").architecture.jsonString().contains(#""kind":"conv2d""#))
        XCTAssertThrowsError(try Architecture.fromJSON(#"{"name":"x","inputShape":[4],"layers":[{"kind":"warp","name":"w"}]}"#))
        let mismatched = Architecture(name: "bad", inputShape: [1, 28, 28], layers: [.dense(name: "fc1", inputs: 784, outputs: 10, bias: true)])
        XCTAssertThrowsError(try mismatched.layerOutputShapes()) { error in
            XCTAssertTrue("\(error)".contains("fc1"), "\(error)")
        }
        let duplicate = Architecture(name: "dup", inputShape: [4], layers: [.relu(name: "a"), .relu(name: "a")])
        XCTAssertThrowsError(try duplicate.layerOutputShapes())
    }
}

final class ArchitectureCostTests: XCTestCase {
    func testForwardMultiplyAccumulatesByHand() throws {
        // MLP-A: 784·512 + 512·100 + 100·10.
        XCTAssertEqual(try ModelZoo.entry(named: "mlp-a").architecture.forwardMultiplyAccumulates(), 784 * 512 + 512 * 100 + 100 * 10)
        // CNN-MAX-B: conv1 28²·32·1·9, conv2 14²·64·32·9, conv3 7²·128·64·9, fc1 2048·625, logits 625·10.
        let expected = 784 * 32 * 9 + 196 * 64 * 32 * 9 + 49 * 128 * 64 * 9 + 2048 * 625 + 6250
        XCTAssertEqual(try ModelZoo.entry(named: "cnn-max-b").architecture.forwardMultiplyAccumulates(), expected)
    }
}
