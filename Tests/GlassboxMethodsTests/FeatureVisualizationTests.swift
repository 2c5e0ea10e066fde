import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods
import XCTest

final class FeatureVisualizationTests: XCTestCase {
    /// A zero-mean 8×8 template: a bright diagonal bar on a dark surround.
    private func template(_ size: Int = 8) -> [Float] {
        var t = [Float](repeating: 0, count: size * size)
        for r in 0..<size { for c in 0..<size { t[r * size + c] = abs(r - c) <= 1 ? 1 : -0.5 } }
        let mean = t.reduce(0, +) / Float(t.count)
        return t.map { $0 - mean }
    }

    /// 1×8×8 → dense unit whose weights are the template (and a second, opposite unit).
    private func templateNetwork() throws -> Sequential {
        var rng = SeededRandom(seed: 1)
        let dense = Dense(name: "unit", inputs: 64, outputs: 2, bias: false, rng: &rng)
        let t = template()
        dense.weight.value = Tensor(shape: [2, 64], scalars: t + t.map { -$0 })
        return try Sequential(layers: [Flatten(name: "flatten"), dense], inputShape: [1, 8, 8])
    }

    private func correlation(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) {
            sab += (Double(x) - ma) * (Double(y) - mb)
            saa += (Double(x) - ma) * (Double(x) - ma)
            sbb += (Double(y) - mb) * (Double(y) - mb)
        }
        return sab / (saa * sbb).squareRoot()
    }

    func testTheOptimisedInputOfATemplateUnitIsTheTemplate() throws {
        let network = try templateNetwork()
        for parametrization: FeatureVisualization.Parametrization in [.pixels, .fourier(decay: 1)] {
            let method = FeatureVisualization(network, layer: "unit", objectives: [.channel(0), .channel(1)], steps: 200,
                                              parametrization: parametrization, transforms: .none, seed: 3)
            let result = try method.run()
            let t = template()
            let first = Array(result.images.scalars[0..<64]), second = Array(result.images.scalars[64..<128])
            XCTAssertGreaterThan(correlation(first, t), 0.9, "\(parametrization)")
            XCTAssertLessThan(correlation(second, t), -0.9, "\(parametrization): the opposite unit likes the negative")
            XCTAssertGreaterThan(result.values[0], 0)
            XCTAssertEqual(result.values[0], try method.values(at: result.images)[0])
        }
        // With jitter, rotation and scaling the image still follows the template. The best image
        // under random moves is the template averaged over them (blurrier, and the moves push the
        // border out of the 8×8 frame), so the correlation is lower than without them.
        let robust = try FeatureVisualization(network, layer: "unit", objectives: [.channel(0)], steps: 300,
                                              transforms: .init(jitter: 1, degrees: 5, scale: 0.05), seed: 4).run()
        XCTAssertGreaterThan(correlation(Array(robust.images.scalars), template()), 0.7)
    }

    func testAConvolutionNeuronFindsItsKernelAtItsReceptiveField() throws {
        var rng = SeededRandom(seed: 2)
        let conv = Conv2D(name: "conv", inChannels: 1, outChannels: 1, kernel: (3, 3), stride: (1, 1), padding: .same, bias: false, rng: &rng)
        let kernel: [Float] = [1, -1, 1, -1, 1, -1, 1, -1, 1]
        conv.weight.value = Tensor(shape: [1, 1, 3, 3], scalars: kernel)
        let network = try Sequential(layers: [conv], inputShape: [1, 7, 7])
        let result = try FeatureVisualization(network, layer: "conv", objectives: [.neuron(0, y: 3, x: 3)], steps: 200,
                                              parametrization: .pixels, transforms: .none).run()
        var patch: [Float] = []
        for r in 2...4 { for c in 2...4 { patch.append(result.images.scalars[r * 7 + c]) } }
        XCTAssertGreaterThan(correlation(patch, kernel), 0.95)
        // Outside the 3×3 field the pixels get no gradient and stay at the gray start.
        XCTAssertEqual(result.images.scalars[0], 0.5, accuracy: 0.02)
        let box = try DatasetExamples.receptiveField(network, layer: "conv", y: 3, x: 3)
        XCTAssertEqual(box, DatasetExamples.Box(top: 2, left: 2, height: 3, width: 3))
    }

    func testGradientMatchesFiniteDifferencesForEveryParametrisationAndRegulariser() throws {
        let network = try TestNetworks.conv(pooling: "avg", seed: 3)
        let warps = [ImageWarp.about(height: 6, width: 6, degrees: 7, scale: 1.05, dx: 1, dy: 0),
                     ImageWarp.about(height: 6, width: 6, degrees: -4, scale: 0.95, dx: 0, dy: -1),
                     ImageWarp.identity]
        let objectives: [FeatureVisualization.Objective] = [.channel(1), .neuron(2, y: 1, x: 0), .direction([0.5, -1, 0.25, 2])]
        for parametrization: FeatureVisualization.Parametrization in [.pixels, .fourier(decay: 1)] {
            let method = FeatureVisualization(network, layer: "conv2", objectives: objectives, parametrization: parametrization,
                                              regularizers: .init(totalVariation: 0.002, l1: 0.02, blur: 0.3))
            let u = TestNetworks.randomInputs([3, 1, 6, 6], seed: 91)
            let (_, gradient) = try method.costAndGradient(u, transforms: warps)
            for j in stride(from: 0, to: u.count, by: 5) {
                var plus = u, minus = u
                plus.scalars[j] += 1e-2
                minus.scalars[j] -= 1e-2
                let fd = (Double(try method.costAndGradient(plus, transforms: warps).cost)
                          - Double(try method.costAndGradient(minus, transforms: warps).cost)) / 2e-2
                XCTAssertEqual(Double(gradient.scalars[j]), fd, accuracy: 2e-3 + 3e-2 * abs(fd), "\(parametrization) value \(j)")
            }
        }
    }

    func testTheCosineBasisIsOrthonormal() {
        let n = 7
        let c = FeatureVisualization.cosineBasis(n)
        for i in 0..<n {
            for j in 0..<n {
                let dot = (0..<n).reduce(Float(0)) { $0 + c[i * n + $1] * c[j * n + $1] }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-5)
            }
        }
        let scale = FeatureVisualization.frequencyScale(height: 4, width: 4, decay: 1)
        XCTAssertEqual(scale[0], 1)
        XCTAssertLessThan(scale[15], scale[1])
    }

    func testTheSameSeedGivesTheSameImagesAndAnotherSeedOthers() throws {
        let network = try TestNetworks.conv(pooling: "max", seed: 4)
        func run(_ seed: UInt64) throws -> Tensor {
            try FeatureVisualization(network, layer: "conv1", objectives: [.channel(0), .channel(2)], steps: 30,
                                     regularizers: .init(totalVariation: 0.01, blur: 0.1), seed: seed).run().images
        }
        XCTAssertEqual(try run(7), try run(7))
        XCTAssertNotEqual(try run(7), try run(8))
        // The transformations drawn are the seed's.
        let method = FeatureVisualization(network, layer: "conv1", objectives: [.channel(0)], seed: 7)
        var a = SeededRandom(seed: 7), b = SeededRandom(seed: 7)
        XCTAssertEqual(method.drawTransforms(&a, count: 4), method.drawTransforms(&b, count: 4))
    }

    func testAnInterruptKeepsTheLastImagesAndSnapshotsComeOnSchedule() throws {
        let network = try TestNetworks.conv(pooling: "max", seed: 5)
        let token = CancellationToken()
        var snapshots: [Int] = []
        let method = FeatureVisualization(network, layer: "conv2", objectives: [.channel(1)], steps: 500, reportEvery: 10)
        let result = try method.run(monitor: WorkMonitor(cancellation: token) { if $0.completed >= 30 { token.cancel() } },
                                    snapshotEvery: 15) { snapshots.append($0.step) }
        XCTAssertEqual(result.stoppedAt, 31)
        XCTAssertEqual(snapshots.prefix(3), [0, 15, 30])
        XCTAssertEqual(result.images.shape, [1, 1, 6, 6])
        // Cancelled before the first step: nothing to keep.
        let cancelled = CancellationToken()
        cancelled.cancel()
        XCTAssertThrowsError(try method.run(monitor: WorkMonitor(cancellation: cancelled))) { XCTAssertTrue($0 is CancellationError) }
    }

    func testBadObjectivesAndSettingsAreRefused() throws {
        let network = try TestNetworks.conv(pooling: "max", seed: 5)
        func refuses(_ method: FeatureVisualization, line: UInt = #line) {
            XCTAssertThrowsError(try method.run(), line: line)
        }
        refuses(FeatureVisualization(network, layer: "conv9", objectives: [.channel(0)]))
        refuses(FeatureVisualization(network, layer: "conv2", objectives: [.channel(4)]))
        refuses(FeatureVisualization(network, layer: "conv2", objectives: []))
        refuses(FeatureVisualization(network, layer: "logits", objectives: [.neuron(0, y: 0, x: 0)]))
        refuses(FeatureVisualization(network, layer: "conv2", objectives: [.neuron(0, y: 5, x: 0)]))
        refuses(FeatureVisualization(network, layer: "conv2", objectives: [.direction([1, 2])]))
        refuses(FeatureVisualization(network, layer: "conv2", objectives: [.channel(0)], transforms: .init(jitter: -1)))
        refuses(FeatureVisualization(network, layer: "conv2", objectives: [.channel(0)], regularizers: .init(totalVariation: -1)))
        refuses(FeatureVisualization(network, layer: "conv2", objectives: [.channel(0)], learningRate: 0))
    }

    func testDatasetExamplesRankImagesAndCutTheirPatches() throws {
        // conv (3×3 SAME) → max pool 2/2 → conv (3×3 SAME): a position of conv2 sees 8×8 input pixels.
        var rng = SeededRandom(seed: 3)
        let network = try Sequential(layers: [
            Conv2D(name: "conv1", inChannels: 1, outChannels: 2, kernel: (3, 3), stride: (1, 1), padding: .same, bias: false, rng: &rng),
            MaxPool2D(name: "pool1", window: (2, 2), stride: (2, 2), padding: .same),
            Conv2D(name: "conv2", inChannels: 2, outChannels: 2, kernel: (3, 3), stride: (1, 1), padding: .same, bias: false, rng: &rng),
        ], inputShape: [1, 12, 12])
        XCTAssertEqual(try DatasetExamples.receptiveField(network, layer: "conv2", y: 0, x: 0),
                       DatasetExamples.Box(top: -3, left: -3, height: 8, width: 8))
        XCTAssertEqual(try DatasetExamples.receptiveField(network, layer: "conv2", y: 2, x: 5),
                       DatasetExamples.Box(top: 1, left: 7, height: 8, width: 8))
        XCTAssertEqual(try DatasetExamples.receptiveField(network, layer: "pool1", y: 1, x: 1),
                       DatasetExamples.Box(top: 1, left: 1, height: 4, width: 4))
        // A unit that sums the pixels ranks images by brightness; its single best position is the bright spot.
        let sum = Dense(name: "sum", inputs: 16, outputs: 1, bias: false, rng: &rng)
        sum.weight.value = Tensor(repeating: 1, shape: [1, 16])
        let counter = try Sequential(layers: [Flatten(name: "flatten"), sum], inputShape: [1, 4, 4])
        var images = [Float](repeating: 0, count: 5 * 16)
        for (i, brightness) in [0.1, 0.5, 0.3, 0.9, 0.2].enumerated() { for j in 0..<16 { images[i * 16 + j] = Float(brightness) } }
        let found = try DatasetExamples.find(counter, inputs: Tensor(shape: [5, 1, 4, 4], scalars: images), layer: "sum",
                                             objectives: [.channel(0)], count: 3, batchSize: 2)
        XCTAssertEqual(found[0].images.map(\.index), [3, 1, 2])
        for (value, expected) in zip(found[0].images.map(\.value), [14.4, 8, 4.8]) { XCTAssertEqual(Double(value), expected, accuracy: 1e-4) }
        XCTAssertEqual(found[0].patches.first?.box, DatasetExamples.Box(top: 0, left: 0, height: 4, width: 4))
        // Crops are zero outside the image.
        let crop = DatasetExamples.crop(Tensor(shape: [5, 1, 4, 4], scalars: images), index: 3, box: .init(top: -1, left: 2, height: 2, width: 3))
        XCTAssertEqual(crop.scalars, [0, 0, 0, Float(0.9), Float(0.9), 0])
    }

    func testLayerActivationsAndClassMeansInBatches() throws {
        let network = try TestNetworks.dense(seed: 2)
        let inputs = TestNetworks.randomInputs([7, 6], seed: 92)
        let all = try LayerActivations.collect(network, inputs: inputs, layer: "relu1", batchSize: 3)
        XCTAssertEqual(all.shape, [7, 8])
        let direct = try network.forwardRecording(inputs, training: false).output(of: "relu1")
        XCTAssertEqual(all, direct)
        let labels = [0, 1, 0, 2, 1, 0, 2]
        let means = try LayerActivations.classMeans(network, inputs: inputs, labels: labels, classes: 3, layer: "relu1", batchSize: 2)
        for c in 0..<3 {
            let rows = labels.indices.filter { labels[$0] == c }
            for j in 0..<8 {
                let expected = rows.reduce(Float(0)) { $0 + direct.scalars[$1 * 8 + j] } / Float(rows.count)
                XCTAssertEqual(means.scalars[c * 8 + j], expected, accuracy: 1e-6)
            }
        }
        XCTAssertThrowsError(try LayerActivations.classMeans(network, inputs: inputs, labels: labels, classes: 4, layer: "relu1"))
    }
}
