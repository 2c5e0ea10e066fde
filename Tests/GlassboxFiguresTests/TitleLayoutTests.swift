import XCTest
@testable import GlassboxFigures

/// Titles wider than their image are never cut by the figure's edge nor run into their neighbours.
final class TitleLayoutTests: XCTestCase {
    func grid(titles: [String], columns: Int, colorbar: Bool, ticks: Bool, width: Int = 28) throws -> ImageGridFigure {
        let values = [Float](repeating: 0.5, count: width * 28)
        let panels: [ImagePanel?] = try titles.map { title in
            ImagePanel(image: try PanelImage(values: values, width: width, height: 28, colormap: .gray, range: .fixed(0, 1)),
                       title: title, showsColorbar: colorbar, showsTicks: ticks)
        }
        return try ImageGridFigure(rows: (titles.count + columns - 1) / columns, columns: columns, panels: panels)
    }

    /// Columns of the title band (above the first row of images) that hold dark ink.
    func inkColumns(_ figure: ImageGridFigure, _ image: RasterImage, scale: Double) -> [Int] {
        let top = Int((figure.layout.margin * scale).rounded(.down))
        let bottom = Int((figure.imageRect(row: 0, column: 0).y * scale).rounded(.down)) - 2
        return (0..<image.width).filter { x in (top..<bottom).contains { y in image.pixel(x, y).r < 160 } }
    }

    func testLongTitlesFitInsideTheFigureAndApart() throws {
        let long = (0..<10).map { "SmoothGrad 15 % Digit \($0)" }
        let cases: [(titles: [String], columns: Int, colorbar: Bool, ticks: Bool, width: Int)] = [
            (long, 10, false, false, 28), (long, 10, true, true, 28), (long, 5, false, true, 28),
            (long.map { $0 + " with noise level 0.15 and 50 samples" }, 3, true, false, 28),
            (long, 4, false, false, 10),  // narrow images: even more overhang
            (["a"], 1, false, false, 28),
        ]
        let scale = 2.0
        for (titles, columns, colorbar, ticks, width) in cases {
            let figure = try grid(titles: titles, columns: columns, colorbar: colorbar, ticks: ticks, width: width)
            // geometry: every title lies inside the figure, and neighbours keep apart
            for row in 0..<figure.rows {
                var previousEnd = -Double.infinity
                for column in 0..<figure.columns {
                    guard let title = figure.panel(row: row, column: column)?.title else { continue }
                    let r = figure.imageRect(row: row, column: column)
                    let half = TextMeasure.width(title, size: Style.titleFontSize) / 2
                    let (start, end) = (r.x + r.width / 2 - half, r.x + r.width / 2 + half)
                    XCTAssertGreaterThanOrEqual(start, 1, "\(title) starts outside the figure")
                    XCTAssertLessThanOrEqual(end, figure.width - 1, "\(title) ends outside the figure")
                    XCTAssertGreaterThan(start, previousEnd + 2, "\(title) runs into its left neighbour")
                    previousEnd = end
                }
            }
            // pixels: no glyph touches the left or right edge of the rendered image
            let image = try figure.renderImage(scale: scale)
            let ink = inkColumns(figure, image, scale: scale)
            XCTAssertFalse(ink.isEmpty, "titles are drawn")
            XCTAssertGreaterThan(ink.min() ?? 0, 2, "a title is cut at the left edge (\(titles[0]))")
            XCTAssertLessThan(ink.max() ?? image.width, image.width - 3, "a title is cut at the right edge (\(titles[0]))")
        }
    }

    func testShortTitlesKeepTheCompactLayout() throws {
        let figure = try grid(titles: (0..<10).map { "Digit: \($0)" }, columns: 2, colorbar: false, ticks: false)
        XCTAssertEqual(figure.layout.leftPad, 0)
        XCTAssertEqual(figure.layout.rightPad, 0)
        XCTAssertEqual(figure.layout.columnGap, 18)
    }
}
