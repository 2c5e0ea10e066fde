import XCTest
@testable import GlassboxMethods

/// The similarity measures against hand-computed values.
final class SimilarityTests: XCTestCase {
    func testPerfectAgreementAndReversal() {
        let a: ArraySlice<Float> = [1, 2, 3, 4], doubled: ArraySlice<Float> = [2, 4, 6, 8], reversed: ArraySlice<Float> = [4, 3, 2, 1]
        for measure in SimilarityMeasure.allCases {
            XCTAssertEqual(measure.measure(a, doubled), 1, accuracy: 1e-6, "\(measure)")
        }
        XCTAssertEqual(SimilarityMeasure.spearman.measure(a, reversed), -1, accuracy: 1e-6)
        XCTAssertEqual(SimilarityMeasure.pearson.measure(a, reversed), -1, accuracy: 1e-6)
        // cos = (4+6+6+4)/30
        XCTAssertEqual(SimilarityMeasure.cosine.measure(a, reversed), 20.0 / 30.0, accuracy: 1e-6)
    }

    func testSpearmanUsesRanksWithTiesSharingTheirMeanRank() {
        XCTAssertEqual(SimilarityMeasure.ranks([3, 1, 1, 2]), [4, 1.5, 1.5, 3])
        XCTAssertEqual(SimilarityMeasure.ranks(ArraySlice([9, 5, 7, 5])[1...]), [1.5, 3, 1.5], "slices keep their own positions")
        // ranks [1.5, 1.5, 3] against [1, 2, 3]: cov 1.5, var 1.5 and 2 → 1.5 / √3
        XCTAssertEqual(SimilarityMeasure.spearman.measure([1, 1, 2], [1, 2, 3]), Float(1.5 / 3.0.squareRoot()), accuracy: 1e-6)
        // A monotone but non-linear relation: Spearman 1, Pearson below 1.
        let x: ArraySlice<Float> = [1, 2, 3, 4, 5], cubed: ArraySlice<Float> = [1, 8, 27, 64, 125]
        XCTAssertEqual(SimilarityMeasure.spearman.measure(x, cubed), 1, accuracy: 1e-6)
        XCTAssertLessThan(SimilarityMeasure.pearson.measure(x, cubed), 0.95)
    }

    func testConstantOrZeroMapsGiveZeroAndAbsoluteValuesIgnoreSigns() throws {
        XCTAssertEqual(SimilarityMeasure.pearson.measure([1, 1, 1], [1, 2, 3]), 0)
        XCTAssertEqual(SimilarityMeasure.cosine.measure([0, 0], [1, 2]), 0)
        XCTAssertEqual(SimilarityMeasure.cosine.measure([1, 0], [0, 1]), 0)
        let signed = try SimilarityMeasure.pearson.perImage([-1, 2, -3], count: 1, [1, 2, 3], otherCount: 1, absolute: false)
        let unsigned = try SimilarityMeasure.pearson.perImage([-1, 2, -3], count: 1, [1, 2, 3], otherCount: 1, absolute: true)
        XCTAssertLessThan(signed[0], 0)
        XCTAssertEqual(unsigned[0], 1, accuracy: 1e-6)
    }

    func testPerImageComparesImageByImageOrAgainstOneImage() throws {
        let a: [Float] = [1, 2, 3, 3, 2, 1]  // two images of three values
        XCTAssertEqual(try SimilarityMeasure.spearman.perImage(a, count: 2, a, otherCount: 2, absolute: false), [1, 1])
        let one = try SimilarityMeasure.spearman.perImage(a, count: 2, [1, 2, 3], otherCount: 1, absolute: false)
        XCTAssertEqual(one[0], 1, accuracy: 1e-6)
        XCTAssertEqual(one[1], -1, accuracy: 1e-6)
        XCTAssertThrowsError(try SimilarityMeasure.pearson.perImage(a, count: 2, [1, 2, 3, 4], otherCount: 1, absolute: false))
        XCTAssertThrowsError(try SimilarityMeasure.pearson.perImage(a + a + a, count: 3 * 2, a, otherCount: 2, absolute: false))
        XCTAssertThrowsError(try SimilarityMeasure.pearson.perImage([], count: 0, a, otherCount: 2, absolute: false))
    }
}
