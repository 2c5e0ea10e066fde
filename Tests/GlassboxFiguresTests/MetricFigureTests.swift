import XCTest
@testable import GlassboxFigures

/// The drawing pieces the metrics use: confidence bands, arrows (vector fields) and the score grid.
final class MetricFigureTests: XCTestCase {
    func pixel(_ image: RasterImage, _ p: (x: Double, y: Double)) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        image.pixel(Int(p.x * 2), Int(p.y * 2))
    }

    func testABandWidensTheLimitsAndIsShadedAroundTheLine() throws {
        let line = try LineSeries(x: [0, 10], y: [2, 2]).withBand([1, 1])
        XCTAssertThrowsError(try LineSeries(x: [0, 10], y: [2, 2]).withBand([1]))
        let chart = try LineChartFigure(axes: [ChartAxes(series: [line], legend: .none)])
        // y ± band spans 1…3, plus the 5 % margin.
        XCTAssertEqual(chart.limits(0).y.lowerBound, 0.9, accuracy: 1e-9)
        XCTAssertEqual(chart.limits(0).y.upperBound, 3.1, accuracy: 1e-9)
        let image = try chart.renderImage(scale: 2)
        let inside = pixel(image, chart.position(x: 5, y: 2.6, axes: 0))
        let outside = pixel(image, chart.position(x: 5, y: 3.05, axes: 0))
        // Inside the band: a light tint of the line's blue (more blue than red); outside: white.
        XCTAssertLessThan(inside.r, 235)
        XCTAssertGreaterThan(inside.b, inside.r)
        XCTAssertEqual(outside.r, 255)
    }

    func testArrowsAreDrawnFromTheirTailsAndCountInTheLimits() throws {
        let arrow = ChartArrow(x: 0, y: 0, dx: 4, dy: 0, color: RGB(1, 0, 0))
        let chart = try LineChartFigure(axes: [ChartAxes(series: [], xMin: -1, xMax: 5, yMin: -1, yMax: 1, legend: .none, arrows: [arrow])])
        let image = try chart.renderImage(scale: 2)
        let shaft = pixel(image, chart.position(x: 1.5, y: 0, axes: 0))
        XCTAssertGreaterThan(shaft.r, 200)
        XCTAssertLessThan(shaft.g, 120)
        // Nothing before the tail.
        XCTAssertEqual(pixel(image, chart.position(x: -0.5, y: 0, axes: 0)).g, 255)
        let free = try LineChartFigure(axes: [ChartAxes(series: [], legend: .none, arrows: [ChartArrow(x: 1, y: 1, dx: 2, dy: -3)])])
        XCTAssertTrue(free.limits(0).x.contains(3) && free.limits(0).y.contains(-2))
    }

    func testScoreGridRanksEachColumnByItsOwnDirection() throws {
        let grid = try ScoreGridFigure(rows: ["a", "b", "c"], columns: ["higher", "lower"],
                                       values: [[3, 0.5], [1, 0.1], [3, .nan]], higherIsBetter: [true, false])
        // Column 0: a and c tie for the best (rank 0), b is behind both (rank 2). Column 1: b is best,
        // a next, the missing value ranks with nobody ahead of it.
        XCTAssertEqual(grid.ranks(), [[0, 1], [2, 0], [0, 0]])
        XCTAssertNoThrow(try grid.renderPNG())
        // A long header widens its column instead of running into its neighbours.
        let long = try ScoreGridFigure(rows: ["a"], columns: ["Model-parameter randomisation ↓", "x"], values: [[1, 2]],
                                       higherIsBetter: [false, true])
        let short = try ScoreGridFigure(rows: ["a"], columns: ["m", "x"], values: [[1, 2]], higherIsBetter: [false, true])
        XCTAssertGreaterThan(long.width, short.width + 60)
        XCTAssertThrowsError(try ScoreGridFigure(rows: ["a"], columns: ["x", "y"], values: [[1]], higherIsBetter: [true, true]))
        XCTAssertThrowsError(try ScoreGridFigure(rows: [], columns: ["x"], values: [], higherIsBetter: [true]))
    }
}
