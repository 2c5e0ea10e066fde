import GlassboxData
import GlassboxEngine
@testable import GlassboxMethods
import XCTest

/// Localisation scores (pointing game, energy in the box, IoU of the top pixels) on hand-built maps.
final class LocalisationTests: XCTestCase {
    /// A 4×5 map with the given values at (row, column), 0 elsewhere.
    private func map(_ cells: [(Int, Int, Float)], height: Int = 4, width: Int = 5) -> [Float] {
        var values = [Float](repeating: 0, count: height * width)
        for (r, c, v) in cells { values[r * width + c] = v }
        return values
    }

    private let box = PixelBox(top: 1, left: 1, height: 2, width: 2)  // rows 1–2, columns 1–2: 4 pixels

    func testAMapInsideTheBoxHitsWithAllItsEnergyAndIoUOne() throws {
        let m = map([(1, 1, 1), (1, 2, 2), (2, 1, 3), (2, 2, 4)])
        let s = try Localisation.score(m[...], height: 4, width: 5, box: box, topPercent: 20)  // 20% of 20 = 4 pixels
        XCTAssertEqual(s, LocalisationScore(hit: true, energy: 1, iou: 1, maskSize: 4))
    }

    func testPartlyOutsideByHand() throws {
        // Maximum 5 at (0, 4), outside: a miss. Positive energy 5 + 3 + 1 = 9, of which 3 + 1 inside.
        // Negative values carry no energy. Top 10% = 2 pixels: (0, 4) and (2, 2) → IoU 1/(2 + 4 − 1).
        let m = map([(0, 4, 5), (2, 2, 3), (1, 1, 1), (3, 0, -7)])
        let s = try Localisation.score(m[...], height: 4, width: 5, box: box, topPercent: 10)
        XCTAssertFalse(s.hit)
        XCTAssertEqual(s.energy, 4.0 / 9.0, accuracy: 1e-12)
        XCTAssertEqual(s.iou, 1.0 / 5.0, accuracy: 1e-12)
        XCTAssertEqual(s.maskSize, 2)
        // Top 50% = 10 pixels, but only 3 are positive: the mask keeps those 3 → IoU 2/(3 + 4 − 2).
        let wide = try Localisation.score(m[...], height: 4, width: 5, box: box, topPercent: 50)
        XCTAssertEqual(wide.maskSize, 3)
        XCTAssertEqual(wide.iou, 2.0 / 5.0, accuracy: 1e-12)
    }

    func testTiesAndConstantMaps() throws {
        // Two equal maxima: the first in row-major order counts; (1, 2) comes before (3, 4).
        let tie = map([(1, 2, 2), (3, 4, 2)])
        XCTAssertTrue(try Localisation.score(tie[...], height: 4, width: 5, box: box, topPercent: 5).hit)
        XCTAssertEqual(Localisation.topPixels(tie[...], percent: 5), [7])  // one pixel: the first of the tie
        let flipped = map([(0, 0, 2), (2, 2, 2)])
        XCTAssertFalse(try Localisation.score(flipped[...], height: 4, width: 5, box: box, topPercent: 5).hit)
        // A constant (all-zero) map points nowhere and has no energy.
        let zero = try Localisation.score(map([])[...], height: 4, width: 5, box: box, topPercent: 20)
        XCTAssertEqual(zero, LocalisationScore(hit: false, energy: 0, iou: 0, maskSize: 0))
    }

    func testBatchesAndErrors() throws {
        let a = map([(1, 1, 1)]), b = map([(0, 0, 1)])
        let maps = Tensor(shape: [2, 1, 4, 5], scalars: a + b)
        let scores = try Localisation.scores(maps, boxes: [box, box], topPercent: 5)
        XCTAssertEqual(scores.map(\.hit), [true, false])
        XCTAssertThrowsError(try Localisation.scores(maps, boxes: [box], topPercent: 5))
        XCTAssertThrowsError(try Localisation.scores(maps, boxes: [box, PixelBox(top: 3, left: 0, height: 2, width: 1)], topPercent: 5)) { error in
            XCTAssertTrue("\(error)".contains("image 1"), "\(error)")
        }
        XCTAssertThrowsError(try Localisation.score(a[...], height: 4, width: 5, box: box, topPercent: 0))
        XCTAssertThrowsError(try Localisation.score(map([(0, 0, .nan)])[...], height: 4, width: 5, box: box, topPercent: 5))
    }
}
