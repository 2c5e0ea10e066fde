import GlassboxData
import GlassboxEngine
import XCTest

final class LabelledImagesTests: XCTestCase {
    /// 12 images of 1×2; image i holds [i, 10 + i]; labels cycle 0,1,2 (so each digit 0…2 appears 4 times).
    private func small() throws -> LabelledImages {
        try labelledImages((0..<12).map { [Float($0), Float(10 + $0)] }, labels: (0..<12).map { $0 % 3 },
                           height: 1, width: 2)
    }

    func testShapeValidation() {
        assertDataError(try LabelledImages(images: Tensor(zeros: [2, 3, 4, 4]), labels: [0, 1]))
        assertDataError(try LabelledImages(images: Tensor(zeros: [2, 1, 4, 4]), labels: [0]))
        assertDataError(try LabelledImages(images: Tensor(zeros: [2, 16]), labels: [0, 1]))
    }

    func testSubscriptsAndSelection() throws {
        let data = try small()
        XCTAssertEqual(data.count, 12)
        let (image, label) = try data[5]
        XCTAssertEqual(image.shape, [1, 1, 1, 2])
        XCTAssertEqual(image.scalars, [5, 15])
        XCTAssertEqual(label, 2)
        let slice = try data[3..<6]
        XCTAssertEqual(slice.images.shape, [3, 1, 1, 2])
        XCTAssertEqual(slice.images.scalars, [3, 13, 4, 14, 5, 15])
        XCTAssertEqual(slice.labels, [0, 1, 2])
        let picked = try data.selecting([11, 0, 11])
        XCTAssertEqual(picked.images.scalars, [11, 21, 0, 10, 11, 21])
        XCTAssertEqual(picked.labels, [2, 0, 2])
        assertDataError(try data[12])
        assertDataError(try data[-1])
        assertDataError(try data[10..<13])
        assertDataError(try data.selecting([0, 99]))
    }

    func testOfDigitAndPerDigit() throws {
        let data = try small()
        XCTAssertEqual(data.indices(ofDigit: 1), [1, 4, 7, 10])
        XCTAssertEqual(try data.ofDigit(2).images.scalars, [2, 12, 5, 15, 8, 18, 11, 21])
        XCTAssertEqual(try data.ofDigit(7).count, 0)
        // The 2nd (index 1) image of each class 0, 1, 2: original indices 3, 4, 5.
        let second = try data.perDigit(index: 1, classes: 3)
        XCTAssertEqual(second.labels, [0, 1, 2])
        XCTAssertEqual(second.images.scalars, [3, 13, 4, 14, 5, 15])
        let last = try data.perDigit(index: 3, classes: 3)
        XCTAssertEqual(last.images.scalars, [9, 19, 10, 20, 11, 21])
        assertDataError(try data.perDigit(index: 4, classes: 3)) { error in
            XCTAssertTrue(error.description.contains("digit 0 has only 4 images"), error.description)
        }
        // Digits 3…9 are absent.
        assertDataError(try data.perDigit(index: 0))
        assertDataError(try data.perDigit(index: -1, classes: 3))
    }

    func testMeansAndOneHot() throws {
        let data = try small()
        // Mean of 0…11 is 5.5; of 10…21 is 15.5.
        XCTAssertEqual(try data.meanImage().scalars, [5.5, 15.5])
        XCTAssertEqual(try data.meanImage().shape, [1, 1, 1, 2])
        let classMeans = try data.classMeanImages(classes: 3)
        XCTAssertEqual(classMeans.shape, [3, 1, 1, 2])
        // Class 0: images 0,3,6,9 → mean 4.5; class 1: 1,4,7,10 → 5.5; class 2: 2,5,8,11 → 6.5.
        XCTAssertEqual(classMeans.scalars, [4.5, 14.5, 5.5, 15.5, 6.5, 16.5])
        assertDataError(try data.classMeanImages(classes: 4))
        let oneHot = try data[0..<3].oneHotLabels(classes: 3)
        XCTAssertEqual(oneHot.shape, [3, 3])
        XCTAssertEqual(oneHot.scalars, [1, 0, 0, 0, 1, 0, 0, 0, 1])
        assertDataError(try data.oneHotLabels(classes: 2))
        assertDataError(try data.oneHotLabels(classes: 0))
        assertDataError(try data.classMeanImages(classes: -1))
        assertDataError(try data.perDigit(index: 0, classes: -3))
    }

    func testSequentialBatches() throws {
        let data = try small()
        let batches = try data.batches(size: 5)
        XCTAssertEqual(batches.batchCount, 3)
        let all = Array(batches)
        XCTAssertEqual(all.map(\.count), [5, 5, 2])
        XCTAssertEqual(all[2].images.scalars, [10, 20, 11, 21])
        XCTAssertEqual(Array(try data.batches(size: 5, dropLast: true)).map(\.count), [5, 5])
        assertDataError(try data.batches(size: 0))
    }

    func testSeededBatchesAreReproducibleAndCoverEveryIndexOncePerEpoch() throws {
        let count = 103
        let data = try labelledImages((0..<count).map { [Float($0)] }, labels: (0..<count).map { $0 % 10 },
                                      height: 1, width: 1)
        var randomA = SeededRandom(seed: 42)
        var randomB = SeededRandom(seed: 42)
        var previousOrder: [Float] = []
        for _ in 0..<3 {
            let epochA = try data.batches(size: 10, shuffledBy: &randomA)
            let epochB = try data.batches(size: 10, shuffledBy: &randomB)
            let valuesA = epochA.flatMap { $0.images.scalars }
            let valuesB = epochB.flatMap { $0.images.scalars }
            XCTAssertEqual(valuesA, valuesB, "same seed, same batches")
            XCTAssertEqual(epochA.map(\.count), [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3])
            XCTAssertEqual(valuesA.sorted(), (0..<count).map(Float.init), "every index exactly once")
            XCTAssertNotEqual(valuesA, (0..<count).map(Float.init), "actually shuffled")
            XCTAssertNotEqual(valuesA, previousOrder, "a fresh permutation each epoch")
            // Labels travel with their images.
            for batch in epochA {
                for (value, label) in zip(batch.images.scalars, batch.labels) { XCTAssertEqual(Int(value) % 10, label) }
            }
            previousOrder = valuesA
        }
        let seeded = try data.batches(size: 10, seed: 7).flatMap { $0.labels }
        XCTAssertEqual(seeded, try data.batches(size: 10, seed: 7).flatMap { $0.labels })
        XCTAssertNotEqual(try data.batches(size: 10, seed: 7).order, try data.batches(size: 10, seed: 8).order)
    }

    func testPermutationIsRoughlyUniform() {
        // Position of element 0 after shuffling 4 elements, over many seeds: each position ≈ 1/4.
        var counts = [0, 0, 0, 0]
        var random = SeededRandom(seed: 1)
        for _ in 0..<8000 { counts[Permutation.random(count: 4, using: &random).firstIndex(of: 0)!] += 1 }
        for c in counts { XCTAssertEqual(Double(c) / 8000, 0.25, accuracy: 0.03, "\(counts)") }
        XCTAssertEqual(Permutation.random(count: 0, using: &random), [])
        XCTAssertEqual(Permutation.random(count: 1, using: &random), [0])
    }
}
