import XCTest
@testable import GlassboxFigures

final class LineChartFigureTests: XCTestCase {
    func pixel(_ image: RasterImage, _ p: (x: Double, y: Double)) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        image.pixel(Int(p.x * 2), Int(p.y * 2))
    }

    func assertColor(_ p: (r: UInt8, g: UInt8, b: UInt8, a: UInt8), _ c: RGB, tolerance: Double = 6,
                     _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        let e = c.bytes
        XCTAssertEqual(Double(p.r), Double(e.red), accuracy: tolerance, message, file: file, line: line)
        XCTAssertEqual(Double(p.g), Double(e.green), accuracy: tolerance, message, file: file, line: line)
        XCTAssertEqual(Double(p.b), Double(e.blue), accuracy: tolerance, message, file: file, line: line)
    }

    func testSeriesAreDrawnInCycleColoursWhereTheDataIs() throws {
        // Two horizontal lines at y = 1 and y = 3 over x ∈ [0, 10], fixed y range [0, 4].
        let a = try LineSeries(x: [0, 10], y: [1, 1], label: "low")
        let b = try LineSeries(x: [0, 10], y: [3, 3], label: "high")
        let chart = try LineChartFigure(axes: [ChartAxes(series: [a, b], yMin: 0, yMax: 4, legend: .none)])
        XCTAssertEqual(chart.limits(0).y, 0...4)
        XCTAssertEqual(chart.limits(0).x, -0.5...10.5)
        let image = try chart.renderImage(scale: 2)
        let blue = RGB(hex: 0x1F77B4), orange = RGB(hex: 0xFF7F0E)
        XCTAssertEqual(chart.color(series: 0, axes: 0), blue)
        XCTAssertEqual(chart.color(series: 1, axes: 0), orange)
        let r = chart.plotRect(0)
        for x in [1.0, 5.0, 9.0] {
            let low = chart.position(x: x, y: 1, axes: 0), high = chart.position(x: x, y: 3, axes: 0)
            // Independent mapping: y = 1 of [0, 4] is 3/4 of the way down the plot.
            XCTAssertEqual(low.y, r.y + r.height * 0.75, accuracy: 1e-9)
            assertColor(pixel(image, low), blue, "blue line at x = \(x)")
            assertColor(pixel(image, high), orange, "orange line at x = \(x)")
            // Away from the lines the plot is white.
            let between = chart.position(x: x, y: 2, axes: 0)
            assertColor(pixel(image, between), .white, "background at x = \(x)")
        }
        // Outside the data's x range (inside the 5% margin) there is no line.
        assertColor(pixel(image, chart.position(x: -0.3, y: 1, axes: 0)), .white, "before the first point")
    }

    func testMarkersAreDotsAtDataPoints() throws {
        let withDots = try LineSeries(x: [0, 1, 2], y: [0, 0, 0], showsMarkers: true, color: RGB(1, 0, 0))
        let plain = try LineSeries(x: [0, 1, 2], y: [0, 0, 0], color: RGB(1, 0, 0))
        for (series, expectDot) in [(withDots, true), (plain, false)] {
            let chart = try LineChartFigure(axes: [ChartAxes(series: [series], yMin: -1, yMax: 1)])
            let image = try chart.renderImage(scale: 2)
            let p = chart.position(x: 1, y: 0, axes: 0)
            // 2 CSS px above the point: inside a 2.6-px dot, outside the 1.5-px line.
            let above = pixel(image, (p.x, p.y - 2))
            if expectDot {
                assertColor(above, RGB(1, 0, 0), tolerance: 30, "dot")
            } else {
                assertColor(above, .white, tolerance: 10, "no dot")
            }
        }
    }

    func testNiceTicksAndFixedTicks() throws {
        let s = try LineSeries(x: (-20...20).map(Double.init), y: (-20...20).map { Double($0 * $0) / 16 })
        let chart = try LineChartFigure(axes: [ChartAxes(series: [s]),
                                               ChartAxes(series: [s], xMin: 0, xMax: 19, yMin: 0, xTicks: [0, 5, 10, 15])])
        XCTAssertEqual(chart.xTicks(0), [-20, -10, 0, 10, 20])
        XCTAssertEqual(chart.yTicks(0), [0, 10, 20])  // limits −1.25…26.25 on a 220-px axis
        XCTAssertEqual(chart.xTicks(1), [0, 5, 10, 15])
        XCTAssertEqual(chart.limits(1).x, 0...19)
        XCTAssertEqual(chart.limits(1).y.lowerBound, 0)
        // Side by side: the second plot starts right of the first.
        XCTAssertGreaterThan(chart.plotRect(1).x, chart.plotRect(0).x + chart.plotRect(0).width)
        let image = try chart.renderImage(scale: 2)
        // Tick marks hang below the axis at each tick, and nothing between ticks.
        for t in chart.xTicks(1) {
            let p = chart.position(x: t, y: 0, axes: 1)
            XCTAssertLessThan(pixel(image, (p.x, p.y + 2)).r, 120, "tick at \(t)")
        }
        let mid = chart.position(x: 2.5, y: 0, axes: 1)
        XCTAssertEqual(pixel(image, (mid.x, mid.y + 2)).r, 255)
    }

    func testLegendPlacementAndContent() throws {
        // A line along the top-right: "best" must avoid the upper right corner.
        let s = try LineSeries(x: [0, 5, 10], y: [0, 10, 10], label: "rising", color: RGB(0, 0.5, 0))
        let chart = try LineChartFigure(axes: [ChartAxes(series: [s], legend: .best)])
        let box = try XCTUnwrap(chart.legendBox(0))
        let r = chart.plotRect(0)
        XCTAssertLessThan(box.x, r.x + r.width / 2, "legend should move off the data")
        let image = try chart.renderImage(scale: 2)
        // The legend swatch line is drawn in the series colour, and the label leaves ink.
        assertColor(pixel(image, (box.x + 19, box.y + 6 + 7.25)), RGB(0, 0.5, 0), tolerance: 30, "legend swatch")
        var ink = 0
        for y in Int(box.y * 2)..<Int((box.y + box.height) * 2) {
            for x in Int((box.x + 36) * 2)..<Int((box.x + box.width) * 2) where image.pixel(x, y).r < 100 { ink += 1 }
        }
        XCTAssertGreaterThan(ink, 20)
        let upperLeft = try LineChartFigure(axes: [ChartAxes(series: [s], legend: .upperLeft)]).legendBox(0)
        XCTAssertEqual(upperLeft?.x, r.x + 6)
        XCTAssertNil(try LineChartFigure(axes: [ChartAxes(series: [s], legend: .none)]).legendBox(0))
        let unlabeled = try LineSeries(x: [0, 1], y: [0, 1])
        XCTAssertNil(try LineChartFigure(axes: [ChartAxes(series: [unlabeled])]).legendBox(0))
    }

    func testNonFiniteValuesBreakTheLineInsteadOfCrashing() throws {
        let s = try LineSeries(x: [0, 1, 2, 3], y: [1, .nan, 1, .infinity], color: RGB(1, 0, 0))
        let chart = try LineChartFigure(axes: [ChartAxes(series: [s], yMin: 0, yMax: 2)])
        let image = try chart.renderImage(scale: 2)
        // Between x = 0 and x = 2 the NaN leaves a gap.
        assertColor(pixel(image, chart.position(x: 0.5, y: 1, axes: 0)), .white, tolerance: 10, "gap at NaN")
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try LineSeries(x: [1, 2], y: [1]))
        XCTAssertThrowsError(try LineChartFigure(axes: []))
        XCTAssertThrowsError(try LineChartFigure(axes: [ChartAxes(series: [])], plotWidth: 0))
        // An empty axes still renders (default limits).
        XCTAssertNoThrow(try LineChartFigure(axes: [ChartAxes(series: [])]).renderPNG())
    }
}
