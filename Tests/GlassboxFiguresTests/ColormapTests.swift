import XCTest
@testable import GlassboxFigures

final class ColormapTests: XCTestCase {
    func assertColor(_ c: RGB, _ r: Double, _ g: Double, _ b: Double, accuracy: Double = 1e-3,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(c.red, r, accuracy: accuracy, "red of \(c)", file: file, line: line)
        XCTAssertEqual(c.green, g, accuracy: accuracy, "green of \(c)", file: file, line: line)
        XCTAssertEqual(c.blue, b, accuracy: accuracy, "blue of \(c)", file: file, line: line)
    }

    func testGrayEndsAndMiddle() throws {
        let gray = try Colormap(named: "gray")
        assertColor(gray.color(at: Float(0)), 0, 0, 0)
        assertColor(gray.color(at: Float(1)), 1, 1, 1)
        assertColor(gray.color(at: Float(0.25)), 0.25, 0.25, 0.25)
        let reversed = try Colormap(named: "gray_r")
        assertColor(reversed.color(at: Float(0)), 1, 1, 1)
        assertColor(reversed.color(at: Float(0.25)), 0.75, 0.75, 0.75)
    }

    func testHotSegments() throws {
        let hot = try Colormap(named: "hot")
        assertColor(hot.color(at: 0.0), 0.0416, 0, 0)
        assertColor(hot.color(at: 0.365079), 1, 0, 0)
        // Halfway between 0.365079 and 0.746032 green is 0.5.
        assertColor(hot.color(at: (0.365079 + 0.746032) / 2), 1, 0.5, 0)
        assertColor(hot.color(at: 1.0), 1, 1, 1)
        let hotR = try Colormap(named: "hot_r")
        assertColor(hotR.color(at: 0.0), 1, 1, 1)
        assertColor(hotR.color(at: 1.0), 0.0416, 0, 0)
    }

    func testJetKnownPoints() throws {
        let jet = try Colormap(named: "jet")
        assertColor(jet.color(at: 0.0), 0, 0, 0.5)
        assertColor(jet.color(at: 0.5), (0.5 - 0.35) / (0.66 - 0.35), 1, 1 - (0.5 - 0.34) / (0.65 - 0.34))
        assertColor(jet.color(at: 1.0), 0.5, 0, 0)
    }

    func testViridisEndsAndMiddle() throws {
        let v = try Colormap(named: "viridis")
        XCTAssertEqual(v.color(at: 0.0).hexString, "#440154")
        XCTAssertEqual(v.color(at: 1.0).hexString, "#fde725")
        XCTAssertEqual(v.color(at: 0.5).hexString, "#21918c")
        // Monotone lightness-ish: green rises from start to end.
        var previous = -1.0
        for i in 0...20 {
            let g = v.color(at: Double(i) / 20).green
            XCTAssertGreaterThan(g, previous)
            previous = g
        }
    }

    func testDivergingMaps() throws {
        let bwr = try Colormap(named: "bwr")
        assertColor(bwr.color(at: 0.0), 0, 0, 1)
        assertColor(bwr.color(at: 0.5), 1, 1, 1)
        assertColor(bwr.color(at: 1.0), 1, 0, 0)
        assertColor(bwr.color(at: 0.25), 0.5, 0.5, 1)
        let seismic = try Colormap(named: "seismic")
        assertColor(seismic.color(at: 0.0), 0, 0, 0.3)
        assertColor(seismic.color(at: 0.25), 0, 0, 1)
        assertColor(seismic.color(at: 0.5), 1, 1, 1)
        assertColor(seismic.color(at: 1.0), 0.5, 0, 0)
        XCTAssertTrue(bwr.isDiverging)
        XCTAssertTrue(try Colormap(named: "seismic_r").isDiverging)
        XCTAssertFalse(Colormap.hot.isDiverging)
    }

    func testClampingAndNaN() {
        assertColor(Colormap.gray.color(at: 2.0), 1, 1, 1)
        assertColor(Colormap.gray.color(at: -1.0), 0, 0, 0)
        assertColor(Colormap.gray.color(at: Double.nan), 0, 0, 0)
    }

    func testUnknownNameListsKnownNames() {
        XCTAssertThrowsError(try Colormap(named: "plasma")) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("plasma"), text)
            for name in ["gray", "hot_r", "viridis", "bwr", "seismic", "jet"] {
                XCTAssertTrue(text.contains(name), "\(name) missing from: \(text)")
            }
        }
    }

    func testAllNamesResolve() throws {
        for name in Colormap.allNames { _ = try Colormap(named: name) }
        XCTAssertEqual(Colormap.allNames.count, 12)
    }
}
