import XCTest
@testable import GlassboxFigures

final class FormattingTests: XCTestCase {
    func testValueRanges() {
        let mixed: [Float] = [-0.5, 0.2, 2]
        XCTAssertEqual(ValueRange.automatic.resolve(mixed), -0.5...2)
        XCTAssertEqual(ValueRange.symmetricIfMixed.resolve(mixed), -2...2)
        XCTAssertEqual(ValueRange.symmetricIfMixed.resolve([0, 1, 3]), 0...3)
        XCTAssertEqual(ValueRange.symmetricIfMixed.resolve([-3, -1]), -3 ... -1)
        XCTAssertEqual(ValueRange.symmetric.resolve([0, 1, 3]), -3...3)
        XCTAssertEqual(ValueRange.symmetric.resolve([-4, 1]), -4...4)
        XCTAssertEqual(ValueRange.fixed(2, -1).resolve(mixed), -1...2)
        XCTAssertEqual(ValueRange.automatic.resolve([.nan, 1, .infinity, 2]), 1...2)
        // Degenerate input still gives a usable range.
        XCTAssertEqual(ValueRange.automatic.resolve([5, 5]), 5...6)
        XCTAssertEqual(ValueRange.automatic.resolve([]), 0...1)
        XCTAssertEqual(ValueRange.symmetricIfMixed.resolve([0, 0]), -1...1)
        XCTAssertEqual(ValueRange.symmetric.resolve([0, 0]), -1...1)
        XCTAssertEqual(ValueRange(name: "pixel_range"), .symmetricIfMixed)
        XCTAssertNil(ValueRange(name: "bogus"))
    }

    func testNiceTicks() {
        XCTAssertEqual(TickScale(low: 0, high: 1, target: 5).ticks, [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        let t = TickScale(low: -20, high: 20, target: 5)
        XCTAssertEqual(t.ticks, [-20, -10, 0, 10, 20])
        XCTAssertEqual(TickScale(low: 0, high: 19, target: 4).ticks, [0, 5, 10, 15])
        XCTAssertEqual(TickScale(low: 0.013, high: 0.087, target: 4).step, 0.02, accuracy: 1e-12)
        XCTAssertEqual(TickScale(low: 0, high: 1, target: 5).label(0.6000000000000001), "0.6")
        XCTAssertEqual(TickScale(low: -20, high: 20).label(-10), "\u{2212}10")
        XCTAssertEqual(TickScale.expanded(low: 0.13, high: 0.97), 0...1)
        XCTAssertEqual(TickScale.expanded(low: 3, high: 47), 0...50)
    }

    func testNumberFormats() {
        XCTAssertEqual(NumberFormat.significant(1234.5678), "1235")
        XCTAssertEqual(NumberFormat.significant(0.012345), "0.01235")
        XCTAssertEqual(NumberFormat.significant(0.5), "0.5")
        XCTAssertEqual(NumberFormat.significant(-2.0), "-2")
        XCTAssertEqual(NumberFormat.significant(12345678), "1.235e+07")
        XCTAssertEqual(NumberFormat.significant(0.99729, digits: 4), "0.9973")
        XCTAssertEqual(NumberFormat.percent(0.99355), "99.36%")
        XCTAssertEqual(NumberFormat.percent(0.5, decimals: 0), "50%")
        XCTAssertEqual(NumberFormat.duration(65), "1:05")
        XCTAssertEqual(NumberFormat.duration(5), "0:05")
        XCTAssertEqual(NumberFormat.duration(3725), "1:02:05")
        XCTAssertEqual(NumberFormat.duration(.nan), "--:--")
        XCTAssertEqual(NumberFormat.duration(-1), "--:--")
    }
}
