import GlassboxData
import GlassboxEngine
import XCTest

final class ClutteredMNISTTests: XCTestCase {
    /// 20 "digits" of 28×28: image i has a bright 10×10 square (value 0.6) in its centre and label i % 10.
    private func source(count: Int = 20) throws -> LabelledImages {
        var values = [[Float]]()
        for _ in 0..<count {
            var image = [Float](repeating: 0, count: 28 * 28)
            for y in 9..<19 { for x in 9..<19 { image[y * 28 + x] = 0.6 } }
            values.append(image)
        }
        return try labelledImages(values, labels: (0..<count).map { $0 % 10 }, height: 28, width: 28)
    }

    private func mnist() throws -> MNIST {
        let train = try TinyDataSet(count: 60, rows: 28, columns: 28)
        let test = try TinyDataSet(count: 30, rows: 28, columns: 28)
        return try MNIST(trainImages: train.images, trainLabels: train.labels, testImages: test.images,
                         testLabels: test.labels, validationCount: 10)
    }

    func testSameSeedSameDataOtherSeedOtherData() throws {
        let configuration = ClutteredMNISTConfiguration(trainCount: 50, validationCount: 10, testCount: 12, seed: 3)
        let a = try ClutteredMNIST.generate(from: mnist(), configuration: configuration)
        let b = try ClutteredMNIST.generate(from: mnist(), configuration: configuration)
        XCTAssertEqual(a.train, b.train)
        XCTAssertEqual(a.validation, b.validation)
        XCTAssertEqual(a.test, b.test)
        XCTAssertEqual(a.train.images.shape, [50, 1, 40, 40])
        XCTAssertEqual(a.validation.count, 10)
        XCTAssertEqual(a.test.images.shape, [12, 1, 40, 40])
        var other = configuration
        other.seed = 4
        let c = try ClutteredMNIST.generate(from: mnist(), configuration: other)
        XCTAssertNotEqual(a.train.images, c.train.images)
    }

    func testValuesAreClippedToUnitInterval() throws {
        // Bright sources (every pixel 0.9) overlap, so sums exceed 1 and must be clipped.
        let bright = try labelledImages([[Float]](repeating: [Float](repeating: 0.9, count: 784), count: 5),
                                        labels: [0, 1, 2, 3, 4], height: 28, width: 28)
        var random = SeededRandom(seed: 9)
        let configuration = ClutteredMNISTConfiguration(clutterPieces: 6...6)
        let images = try ClutteredMNIST.generate(count: 20, from: bright, configuration: configuration, random: &random)
        XCTAssertTrue(images.images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(images.images.scalars.max(), 1, "overlaps must have been clipped to exactly 1")
        XCTAssertTrue(images.images.scalars.contains(0.9))
        XCTAssertTrue(images.images.scalars.contains(0))
    }

    func testWithoutClutterTheCanvasHoldsExactlyTheShiftedDigit() throws {
        let digits = try TinyDataSet(count: 10, rows: 28, columns: 28)
        let source = try labelledImages((0..<10).map { i in digits.images.pixels[(i * 784)..<((i + 1) * 784)].map { Float($0) / 255 } },
                                        labels: Array(0..<10), height: 28, width: 28)
        var random = SeededRandom(seed: 5)
        let configuration = ClutteredMNISTConfiguration(clutterPieces: 0...0)
        let images = try ClutteredMNIST.generate(count: 15, from: source, configuration: configuration, random: &random)
        for item in 0..<images.count {
            let canvas = Array(images.images.scalars[(item * 1600)..<((item + 1) * 1600)])
            let digit = try source[images.labels[item]].image.scalars
            // Find the 28×28 window equal to the source digit; everything outside must be 0.
            var matches = 0
            for top in 0...12 {
                for left in 0...12 {
                    var same = true
                    var outsideZero = true
                    for y in 0..<40 {
                        for x in 0..<40 {
                            let inside = y >= top && y < top + 28 && x >= left && x < left + 28
                            let value = canvas[y * 40 + x]
                            if inside { if value != digit[(y - top) * 28 + x - left] { same = false } } else if value != 0 {
                                outsideZero = false
                            }
                        }
                    }
                    if same && outsideZero { matches += 1 }
                }
            }
            XCTAssertEqual(matches, 1, "image \(item) is not a shifted copy of digit \(images.labels[item])")
        }
    }

    func testClutterAddsInkOutsideTheDigit() throws {
        var random = SeededRandom(seed: 11)
        let configuration = ClutteredMNISTConfiguration(clutterPieces: 4...6)
        let images = try ClutteredMNIST.generate(count: 30, from: source(), configuration: configuration, random: &random)
        // A clean digit has 100 pixels of 0.6 = 60 ink; crops add more (crops come from the centre region).
        var extra = 0
        for item in 0..<30 {
            let ink = images.images.scalars[(item * 1600)..<((item + 1) * 1600)].reduce(0, +)
            if ink > 60.5 { extra += 1 }
        }
        XCTAssertGreaterThan(extra, 25)
    }

    func testBadConfigurationsThrow() throws {
        var random = SeededRandom(seed: 1)
        let data = try source()
        assertDataError(try ClutteredMNIST.generate(count: 1, from: data, configuration: .init(canvasSize: 20), random: &random))
        assertDataError(try ClutteredMNIST.generate(count: 1, from: data, configuration: .init(clutterPatchSize: 30), random: &random))
        assertDataError(try ClutteredMNIST.generate(count: 1, from: data, configuration: .init(clutterPatchSize: 0), random: &random))
        assertDataError(try ClutteredMNIST.generate(count: -1, from: data, configuration: .init(), random: &random))
        let empty = try data.selecting([])
        assertDataError(try ClutteredMNIST.generate(count: 1, from: empty, configuration: .init(), random: &random))
    }
}
