import Foundation
import GlassboxData
import GlassboxEngine
import XCTest

final class ClutteredMNISTTests: XCTestCase {
    /// `count` 28×28 images, every pixel `value`, labels i % 10.
    private func constant(_ value: Float, count: Int = 4) throws -> LabelledImages {
        try labelledImages([[Float]](repeating: [Float](repeating: value, count: 784), count: count),
                           labels: (0..<count).map { $0 % 10 }, height: 28, width: 28)
    }

    /// A tiny MNIST of 28×28 images: 60 original training images (10 of them validation), 30 test images.
    private func mnist() throws -> MNIST {
        let train = try TinyDataSet(count: 60, rows: 28, columns: 28)
        let test = try TinyDataSet(count: 30, rows: 28, columns: 28)
        return try MNIST(trainImages: train.images, trainLabels: train.labels, testImages: test.images,
                         testLabels: test.labels, validationCount: 10)
    }

    private func tinyConfiguration(seed: UInt64 = 3) -> ClutteredMNISTConfiguration {
        ClutteredMNISTConfiguration(distractorPoolSize: 500, validationSourceCount: 20, trainCount: 50, validationCount: 10,
                                    testCount: 12, seed: seed)
    }

    func testDefaultsAreTheReferenceFiles() {
        let defaults = ClutteredMNISTConfiguration()
        XCTAssertEqual([defaults.canvasSize, defaults.distractorsPerImage, defaults.distractorSize, defaults.distractorPoolSize],
                       [40, 5, 5, 100_000])
        XCTAssertEqual([defaults.trainCount, defaults.validationCount, defaults.testCount, defaults.validationSourceCount],
                       [10_000, 1_000, 1_000, 10_000])
        XCTAssertEqual(defaults.pixelScale, 0.99609375)
    }

    func testSameSeedSameDataOtherSeedOtherData() throws {
        let a = try ClutteredMNIST.generate(from: mnist(), configuration: tinyConfiguration())
        let b = try ClutteredMNIST.generate(from: mnist(), configuration: tinyConfiguration())
        XCTAssertEqual(a.train, b.train)
        XCTAssertEqual(a.validation, b.validation)
        XCTAssertEqual(a.test, b.test)
        XCTAssertEqual(a.trainDigits, b.trainDigits)
        XCTAssertEqual(a.train.images.shape, [50, 1, 40, 40])
        XCTAssertEqual(a.validation.count, 10)
        XCTAssertEqual(a.test.images.shape, [12, 1, 40, 40])
        XCTAssertEqual(a.digits(.test)?.count, 12)
        XCTAssertEqual(a.configuration, tinyConfiguration())
        let c = try ClutteredMNIST.generate(from: mnist(), configuration: tinyConfiguration(seed: 4))
        XCTAssertNotEqual(a.train.images, c.train.images)
        // Each split has its own stream: more training images leave validation and test unchanged.
        var more = tinyConfiguration()
        more.trainCount = 70
        let d = try ClutteredMNIST.generate(from: mnist(), configuration: more)
        XCTAssertEqual(d.validation, a.validation)
        XCTAssertEqual(d.test, a.test)
        XCTAssertEqual(try d.train[0..<50].labels.count, 50)
    }

    func testDigitsComeFromTheReferenceSourceRanges() throws {
        // Original training image i has label i % 10 (TinyDataSet); 60 originals, the last 20 give validation digits.
        let data = try ClutteredMNIST.generate(from: mnist(), configuration: tinyConfiguration())
        for (split, range) in [(MNIST.Split.train, 0..<40), (.validation, 40..<60), (.test, 0..<30)] {
            let digits = try XCTUnwrap(data.digits(split))
            for (item, digit) in digits.enumerated() {
                XCTAssertTrue(range.contains(digit.sourceIndex), "\(split) image \(item) from \(digit.sourceIndex)")
                XCTAssertEqual(data.split(split).labels[item], digit.sourceIndex % 10)
            }
        }
        let sources = Set(data.trainDigits!.map(\.sourceIndex))
        XCTAssertTrue(sources.contains { $0 < 10 } && sources.contains { $0 >= 10 }, "train digits span MNIST validation and train")
    }

    /// Generated images are kept as their recipe (which digit and which crops go where), not as
    /// pixels, and are made again, with the same bits, whenever asked: whole, by range, by selection,
    /// one by one, in any order.
    func testGeneratedImagesAreKeptAsRecipesAndRenderTheSameBitsEveryTime() throws {
        let mnist = try mnist()
        var configuration = tinyConfiguration()
        configuration.trainCount = 400
        let data = try ClutteredMNIST.generate(from: mnist, configuration: configuration)
        for images in [data.train, data.validation, data.test] {
            XCTAssertTrue(images.rows.isRendered)
            XCTAssertLessThan(images.rows.byteCount, images.count * 100 + 500 * 12, "a recipe, not pixels")
        }
        let rows = data.train.rows
        let all = try rows.tensor()
        let floats = ImageRows(all)
        XCTAssertEqual(try rows.tensor().scalars.map(\.bitPattern), all.scalars.map(\.bitPattern), "rendered twice")
        XCTAssertEqual(try rows.slice(123..<301), try floats.slice(123..<301))
        XCTAssertEqual(try rows.slice(123..<301).slice(7..<9), try floats.slice(130..<132))
        let picked = [399, 0, 17, 17, 250]
        XCTAssertEqual(rows.gathering(picked), floats.gathering(picked))
        XCTAssertEqual(try rows.slice(200..<400).gathering([3, 1]), floats.gathering([203, 201]))
        var walked: [[Float]] = []
        rows.forEachImage(picked.reversed()) { _, pixels in walked.append(Array(pixels)) }
        XCTAssertEqual(walked, picked.reversed().map { Array(all.scalars[($0 * 1600)..<(($0 + 1) * 1600)]) })
        // The images differ from one another and hold distractors and digits.
        XCTAssertGreaterThan(Set(all.scalars).count, 256, "sums of distractor and digit pixels")
        XCTAssertNotEqual(try rows.tensor(rows: 0..<1), try rows.tensor(rows: 1..<2))
        // Same seed, same images, rendered from a separately generated recipe.
        let again = try ClutteredMNIST.generate(from: mnist, configuration: configuration)
        XCTAssertEqual(again.train.rows, rows)
    }

    func testWithoutDistractorsTheCanvasHoldsExactlyTheScaledDigitAtItsFrame() throws {
        let mnist = try mnist()
        var configuration = tinyConfiguration()
        configuration.distractorsPerImage = 0
        let data = try ClutteredMNIST.generate(from: mnist, configuration: configuration)
        for (images, digits, file) in [(data.train, data.trainDigits!, nil as LabelledImages?), (data.test, data.testDigits!, mnist.test)] {
            let all = images.images.scalars
            for item in 0..<images.count {
                let digit = digits[item]
                let source: [Float]
                if let file {
                    source = try file[digit.sourceIndex].image.scalars
                } else {
                    source = digit.sourceIndex < 10 ? try mnist.validation[digit.sourceIndex].image.scalars
                        : try mnist.train[digit.sourceIndex - 10].image.scalars
                }
                let canvas = Array(all[(item * 1600)..<((item + 1) * 1600)])
                XCTAssertEqual(digit.frame.height, 28)
                XCTAssertEqual(digit.frame.width, 28)
                var ink = (top: 99, left: 99, bottom: -1, right: -1)
                for y in 0..<40 {
                    for x in 0..<40 {
                        let value = canvas[y * 40 + x]
                        if digit.frame.contains(row: y, column: x) {
                            let expected = source[(y - digit.frame.top) * 28 + x - digit.frame.left] * configuration.pixelScale
                            XCTAssertEqual(value, min(expected, 1), "image \(item) at (\(y), \(x))")
                        } else {
                            XCTAssertEqual(value, 0, "image \(item) at (\(y), \(x)) is outside the digit")
                        }
                        if value > 0 { ink = (min(ink.top, y), min(ink.left, x), max(ink.bottom, y), max(ink.right, x)) }
                    }
                }
                XCTAssertEqual(digit.ink, PixelBox(top: ink.top, left: ink.left, height: ink.bottom - ink.top + 1,
                                                   width: ink.right - ink.left + 1), "image \(item)")
            }
        }
    }

    func testValuesAreClippedAndDistractorsOverwriteWhileTheDigitIsAdded() throws {
        // Distractors are 0.3 everywhere, the digit 0.5 everywhere (no scaling): overlapping distractors
        // stay 0.3 (written over), distractor plus digit is 0.8 (added).
        var random = SeededRandom(seed: 9)
        let pool = try DistractorPool(count: 50, size: 5, from: [constant(0.3)], random: &random)
        var configuration = ClutteredMNISTConfiguration(pixelScale: 1)
        let (images, digits) = try ClutteredMNIST.generate(count: 200, digits: constant(0.5), pool: pool,
                                                           configuration: configuration, random: &random)
        var seen = Set<Float>()
        let values = images.images.scalars
        for item in 0..<200 {
            for y in 0..<40 {
                for x in 0..<40 {
                    let value = values[item * 1600 + y * 40 + x]
                    seen.insert(value)
                    if digits[item].frame.contains(row: y, column: x) {
                        XCTAssertTrue(value == 0.5 || value == 0.8, "\(value)")
                    } else {
                        XCTAssertTrue(value == 0 || value == 0.3, "\(value)")
                    }
                }
            }
        }
        XCTAssertEqual(seen, [0, 0.3, 0.5, 0.8])
        // Bright sources: 0.9 + 0.9 is clipped to exactly 1.
        let bright = try DistractorPool(count: 10, size: 5, from: [constant(0.9)], random: &random)
        configuration.distractorsPerImage = 6
        let clipped = try ClutteredMNIST.generate(count: 20, digits: constant(0.9), pool: bright, configuration: configuration,
                                                  random: &random).images.images.scalars
        XCTAssertTrue(clipped.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(Set(clipped), [0, 0.9, 1])
    }

    func testPlacementStatisticsOnTenThousandImages() throws {
        // One distractor of constant 1 per image and a blank digit: the only ink is the distractor square,
        // whose top-left corner is the drawn one.
        var random = SeededRandom(seed: 21)
        let pool = try DistractorPool(count: 20, size: 5, from: [constant(1)], random: &random)
        let configuration = ClutteredMNISTConfiguration(distractorsPerImage: 1, pixelScale: 1)
        let n = 10_000
        let (images, digits) = try ClutteredMNIST.generate(count: n, digits: constant(0), pool: pool,
                                                           configuration: configuration, random: &random)
        var lefts = [Int](repeating: 0, count: 40), tops = [Int](repeating: 0, count: 40)
        for digit in digits {
            XCTAssertTrue(digit.frame.top >= 0 && digit.frame.bottom <= 40 && digit.frame.left >= 0 && digit.frame.right <= 40,
                          "\(digit.frame) leaves the canvas")
            lefts[digit.frame.left] += 1
            tops[digit.frame.top] += 1
        }
        // Left edge uniform in 0..<12: 833 each (σ ≈ 28).
        for left in 0..<12 { XCTAssertTrue((693...973).contains(lefts[left]), "left \(left): \(lefts[left])") }
        XCTAssertEqual(lefts[12...].reduce(0, +), 0)
        // Top uniform in 0..<40, then min(top, 12): 250 for each of 0…11 (σ ≈ 16), 70% at 12 (σ ≈ 46).
        for top in 0..<12 { XCTAssertTrue((170...330).contains(tops[top]), "top \(top): \(tops[top])") }
        XCTAssertTrue((6_770...7_230).contains(tops[12]), "top 12 (digit on the bottom edge): \(tops[12])")
        XCTAssertEqual(tops[13...].reduce(0, +), 0)
        // Distractor corners uniform in 0..<35 on each axis: 286 each (σ ≈ 17).
        var rows = [Int](repeating: 0, count: 40), columns = [Int](repeating: 0, count: 40)
        images.images.scalars.withUnsafeBufferPointer { values in
            for item in 0..<n {
                let first = (0..<1600).first { values[item * 1600 + $0] > 0 }!
                rows[first / 40] += 1
                columns[first % 40] += 1
                XCTAssertEqual(values[(item * 1600)..<((item + 1) * 1600)].filter { $0 > 0 }.count, 25)
            }
        }
        for corner in 0..<35 {
            XCTAssertTrue((196...376).contains(rows[corner]), "distractor row \(corner): \(rows[corner])")
            XCTAssertTrue((196...376).contains(columns[corner]), "distractor column \(corner): \(columns[corner])")
        }
        XCTAssertEqual(rows[35...].reduce(0, +) + columns[35...].reduce(0, +), 0)
    }

    func testDistractorCropsAreUniformWindowsOfTheSources() throws {
        // Pixel (y, x) of the source holds (y * 28 + x + 1) / 1000, so a crop's first value names its corner.
        let coded = try labelledImages([(0..<784).map { Float($0 + 1) / 1000 }], labels: [0], height: 28, width: 28)
        var random = SeededRandom(seed: 5)
        let pool = try DistractorPool(count: 10_000, size: 5, from: [coded], random: &random)
        XCTAssertEqual(pool.count, 10_000)
        var rows = [Int](repeating: 0, count: 28), columns = [Int](repeating: 0, count: 28)
        for index in 0..<pool.count {
            let crop = try pool.crop(index)
            let corner = Int((crop[0] * 1000).rounded()) - 1
            let (row, column) = (corner / 28, corner % 28)
            rows[row] += 1
            columns[column] += 1
            for y in 0..<5 { for x in 0..<5 { XCTAssertEqual(crop[y * 5 + x], Float((row + y) * 28 + column + x + 1) / 1000) } }
        }
        // Corners uniform in 0..<23: 435 each (σ ≈ 20).
        for corner in 0..<23 {
            XCTAssertTrue((335...535).contains(rows[corner]), "crop row \(corner): \(rows[corner])")
            XCTAssertTrue((335...535).contains(columns[corner]), "crop column \(corner): \(columns[corner])")
        }
        XCTAssertEqual(rows[23...].reduce(0, +) + columns[23...].reduce(0, +), 0)
        assertDataError(try pool.crop(10_000))
    }

    func testBadConfigurationsThrow() throws {
        var random = SeededRandom(seed: 1)
        let digits = try constant(0.5)
        let pool = try DistractorPool(count: 4, size: 5, from: [digits], random: &random)
        assertDataError(try ClutteredMNIST.generate(count: 1, digits: digits, pool: pool, configuration: .init(canvasSize: 20), random: &random))
        assertDataError(try ClutteredMNIST.generate(count: -1, digits: digits, pool: pool, configuration: .init(), random: &random))
        assertDataError(try ClutteredMNIST.generate(count: 1, digits: digits.selecting([]), pool: pool, configuration: .init(), random: &random))
        assertDataError(try ClutteredMNIST.generate(count: 1, digits: digits, pool: pool,
                                                    configuration: .init(distractorsPerImage: -1), random: &random))
        let empty = try DistractorPool(count: 0, size: 5, from: [digits], random: &random)
        assertDataError(try ClutteredMNIST.generate(count: 1, digits: digits, pool: empty, configuration: .init(), random: &random))
        assertDataError(try DistractorPool(count: 1, size: 28, from: [digits], random: &random))
        assertDataError(try DistractorPool(count: 1, size: 0, from: [digits], random: &random))
        assertDataError(try DistractorPool(count: 1, size: 5, from: [], random: &random))
        assertDataError(try ClutteredMNIST.generate(from: mnist(), configuration: .init(validationSourceCount: 60))) {
            XCTAssertTrue($0.description.contains("validationSourceCount 60"), $0.description)
        }
    }

    // MARK: - The reference's .npz layout

    private func referenceLikeArrays(trainCount: Int = 6) throws -> [(name: String, array: NumpyArray)] {
        func images(_ count: Int) throws -> NumpyArray {
            try NumpyArray(shape: [count, 1600], values: .float32((0..<(count * 1600)).map { Float($0 % 97) / 97 }))
        }
        func labels(_ count: Int) throws -> NumpyArray {
            try NumpyArray(shape: [count, 1], values: .int32((0..<count).map { Int32(($0 * 3) % 10) }))
        }
        return [("X_train", try images(trainCount)), ("y_train", try labels(trainCount)), ("X_valid", try images(2)),
                ("y_valid", try labels(2)), ("X_test", try images(3)), ("y_test", try labels(3))]
    }

    func testLoadsTheReferenceLayout() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("mnist_sequence1_sample_5distortions5x5.npz")
        try NumpyArchive.write(referenceLikeArrays(), to: url, compressed: true)
        let data = try ClutteredMNIST.load(contentsOf: url)
        XCTAssertEqual(data.train.images.shape, [6, 1, 40, 40])
        XCTAssertEqual(data.validation.count, 2)
        XCTAssertEqual(data.test.labels, [0, 3, 6])
        XCTAssertEqual(data.train.labels, [0, 3, 6, 9, 2, 5])
        XCTAssertEqual(data.train.images.scalars[0..<98].map { ($0 * 97).rounded() }, (0..<98).map { Float($0 % 97) })
        XCTAssertNil(data.trainDigits)
        XCTAssertNil(data.configuration)

        // (N, 40, 40) images, (N,) labels as int64, and uint8 pixels are accepted too.
        var other = try referenceLikeArrays()
        other[0].array = try NumpyArray(shape: [6, 40, 40], values: .uint8([UInt8](repeating: 255, count: 6 * 1600)))
        other[1].array = NumpyArray(integers: [1, 2, 3, 4, 5, 6])
        try NumpyArchive.write(other, to: url)
        let loaded = try ClutteredMNIST.load(contentsOf: url)
        XCTAssertEqual(Set(loaded.train.images.scalars), [1])
        XCTAssertEqual(loaded.train.labels, [1, 2, 3, 4, 5, 6])
    }

    func testRefusesFilesThatAreNotLikeTheReference() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("c.npz")
        func message(_ arrays: [(name: String, array: NumpyArray)]) throws -> String {
            try NumpyArchive.write(arrays, to: url)
            var text = ""
            assertDataError(try ClutteredMNIST.load(contentsOf: url)) { text = $0.description }
            XCTAssertTrue(text.contains(url.path), text)
            return text
        }
        let good = try referenceLikeArrays()
        XCTAssertTrue(try message(good.filter { $0.name != "y_valid" }).contains("no array 'y_valid'"))
        var badLabel = good
        badLabel[5].array = NumpyArray(integers: [1, 12, 3])
        XCTAssertTrue(try message(badLabel).contains("(y_test): label 1 is 12"))
        var count = good
        count[1].array = NumpyArray(integers: [1, 2])
        XCTAssertTrue(try message(count).contains("holds 2 items, expected 6"))
        var notSquare = good
        notSquare[0].array = try NumpyArray(shape: [6, 1500], values: .float32([Float](repeating: 0, count: 9000)))
        XCTAssertTrue(try message(notSquare).contains("not square"))
        var size = good
        size[2].array = try NumpyArray(shape: [2, 784], values: .float32([Float](repeating: 0, count: 1568)))
        XCTAssertTrue(try message(size).contains("28×28"))
        var ints = good
        ints[4].array = try NumpyArray(shape: [3, 1600], values: .int64([Int64](repeating: 0, count: 4800)))
        XCTAssertTrue(try message(ints).contains("must be float32, float64 or uint8"))
        var labelShape = good
        labelShape[1].array = try NumpyArray(shape: [3, 2], values: .int64([1, 2, 3, 4, 5, 6]))
        XCTAssertTrue(try message(labelShape).contains("(N,) or (N, 1)"))
    }

    func testLoadsAFileNumPyWroteLikeTheReference() throws {
        let python = try numpyPython()
        let directory = try makeTemporaryDirectory(self)
        let script = """
            import sys, numpy as np
            r = np.random.RandomState(0)
            parts = {}
            for split, n in [('train', 10), ('valid', 4), ('test', 5)]:
                parts['X_' + split] = r.rand(n, 1600).astype('float32')
                parts['y_' + split] = r.randint(0, 10, size=(n, 1)).astype('int32')
            np.savez_compressed(sys.argv[1], **parts)
            print(float(parts['X_train'].astype('float64').sum()), ' '.join(str(int(v)) for v in parts['y_test'].ravel()))
            """
        let url = directory.appendingPathComponent("mnist_sequence1_sample_5distortions5x5.npz")
        let output = try runPython(python, script: script, arguments: [url.path]).split(separator: " ", maxSplits: 1)
        let data = try ClutteredMNIST.load(contentsOf: url)
        XCTAssertEqual([data.train.count, data.validation.count, data.test.count], [10, 4, 5])
        let sum = data.train.images.scalars.reduce(0.0) { $0 + Double($1) }
        XCTAssertEqual(sum, try XCTUnwrap(Double(output[0])), accuracy: 1e-6)
        XCTAssertEqual(data.test.labels.map(String.init).joined(separator: " "), output[1].trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
