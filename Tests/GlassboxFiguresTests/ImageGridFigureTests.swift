import XCTest
@testable import GlassboxFigures

final class ImageGridFigureTests: XCTestCase {
    /// A checkerboard whose phase depends on `seed`, so every panel differs.
    func checker(_ seed: Int, size: Int = 28) -> [Float] {
        (0..<size * size).map { i in Float(((i % size) + (i / size) + seed) % 2) }
    }

    func devicePoint(_ x: Double, _ y: Double, scale: Double = 2) -> (Int, Int) {
        (Int((x * scale).rounded(.down)), Int((y * scale).rounded(.down)))
    }

    func testDigitGridPlacesTenPanelsWithSharpPixelBlocks() throws {
        let images = try (0..<10).map { try PanelImage(values: checker($0), width: 28, height: 28, colormap: .gray, range: .fixed(0, 1)) }
        let figure = try ImageGridFigure.digitGrid(images: images, showsColorbar: false, showsTicks: false)
        XCTAssertEqual(figure.rows, 5)
        XCTAssertEqual(figure.columns, 2)
        XCTAssertEqual(figure.panels.compactMap { $0?.title }, (0..<10).map { "Digit: \($0)" })
        let image = try figure.renderImage(scale: 2)
        XCTAssertEqual(Double(image.width), (figure.width * 2).rounded(.up))
        let layout = figure.layout
        for d in 0..<10 {
            let row = d / 2, column = d % 2
            let r = figure.imageRect(row: row, column: column)
            // Independent layout maths: margin + column·cell + (no ticks), margin + row·cell + title band.
            XCTAssertEqual(r.x, layout.margin + Double(column) * layout.cellWidth)
            XCTAssertEqual(r.y, layout.margin + Double(row) * layout.cellHeight + layout.titleHeight)
            XCTAssertEqual(r.width, 112)
            XCTAssertEqual(r.height, 112)
            // Each data pixel is a 4×4 CSS (8×8 device) block: check several pixels inside each block.
            for (i, j) in [(1, 1), (5, 2), (13, 14), (26, 26), (2, 25), (27, 0)] {
                let expected: UInt8 = (i + j + d) % 2 == 1 ? 255 : 0
                for (dx, dy) in [(1.0, 1.0), (2.0, 2.0), (3.0, 3.0), (1.0, 3.0)] {
                    let (px, py) = devicePoint(r.x + Double(i) * 4 + dx, r.y + Double(j) * 4 + dy)
                    XCTAssertEqual(image.pixel(px, py).r, expected, "digit \(d) pixel (\(i), \(j))")
                }
            }
            // White background just outside the panel (left and below).
            let (ox, oy) = devicePoint(r.x - 3, r.y + 50)
            XCTAssertEqual(image.pixel(ox, oy).r, 255)
            let (bx, by) = devicePoint(r.x + 50, r.y + r.height + 4)
            XCTAssertEqual(image.pixel(bx, by).g, 255)
            // The title sits above the panel: ink in the title band.
            var ink = 0
            let (tx0, ty0) = devicePoint(r.x, r.y - layout.titleHeight)
            let (tx1, ty1) = devicePoint(r.x + r.width, r.y)
            for y in ty0..<ty1 { for x in tx0..<tx1 where image.pixel(x, y).r < 128 { ink += 1 } }
            XCTAssertGreaterThan(ink, 40, "title of digit \(d)")
        }
    }

    func testBwrSymmetricRangeMapsZeroToWhite() throws {
        // Values: −2, 0, +1 in three columns; pixel_range gives (−2, 2).
        let values: [Float] = [-2, 0, 1, -2, 0, 1, -2, 0, 1]
        let panel = try PanelImage(values: values, width: 3, height: 3, colormap: .bwr, range: .symmetricIfMixed)
        XCTAssertEqual(panel.resolvedRange, -2...2)
        let figure = try ImageGridFigure(rows: 1, columns: 1, panels: [ImagePanel(image: panel)], panelSize: 90)
        let image = try figure.renderImage(scale: 2)
        let r = figure.imageRect(row: 0, column: 0)
        func at(_ i: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
            let (x, y) = devicePoint(r.x + (Double(i) + 0.5) * 30, r.y + 45)
            return image.pixel(x, y)
        }
        let negative = at(0), zero = at(1), positive = at(2)
        XCTAssertEqual([negative.r, negative.g, negative.b], [0, 0, 255])
        XCTAssertEqual([zero.r, zero.g, zero.b], [255, 255, 255])
        // +1 of 2 is t = 0.75: halfway from white to red.
        XCTAssertEqual(positive.r, 255)
        XCTAssertEqual(Double(positive.g), 127.5, accuracy: 1.5)
        XCTAssertEqual(Double(positive.b), 127.5, accuracy: 1.5)
    }

    func testOverlayAlphaBlending() throws {
        // Gray 0.4 under hot value 1.0 (white) and value 0 (≈ black-red) at alpha 0.5 and 0.8.
        let base = try PanelImage(values: [0.4, 0.4], width: 2, height: 1, colormap: .gray, range: .fixed(0, 1))
        let heat = try PanelImage(values: [1, 0.5], width: 2, height: 1, colormap: .hot, range: .fixed(0, 1))
        for alpha in [0.5, 0.8] {
            let figure = try ImageGridFigure(rows: 1, columns: 1,
                                             panels: [ImagePanel(image: base, overlay: heat, overlayAlpha: alpha)], panelSize: 80)
            let image = try figure.renderImage(scale: 2)
            let r = figure.imageRect(row: 0, column: 0)
            for (i, t) in [(0, 1.0), (1, 0.5)] {
                let (x, y) = devicePoint(r.x + (Double(i) + 0.5) * 40, r.y + 20)
                let p = image.pixel(x, y)
                let heatColor = Colormap.hot.color(at: t)
                let grayByte = 0.4 * 255
                XCTAssertEqual(Double(p.r), alpha * heatColor.red * 255 + (1 - alpha) * grayByte, accuracy: 2.5, "alpha \(alpha) t \(t)")
                XCTAssertEqual(Double(p.g), alpha * heatColor.green * 255 + (1 - alpha) * grayByte, accuracy: 2.5, "alpha \(alpha) t \(t)")
                XCTAssertEqual(Double(p.b), alpha * heatColor.blue * 255 + (1 - alpha) * grayByte, accuracy: 2.5, "alpha \(alpha) t \(t)")
            }
        }
    }

    func testColorbarIsAVerticalGradientNextToThePanel() throws {
        let ramp = (0..<28 * 28).map { Float($0 % 28) / 27 }
        let panel = try PanelImage(values: ramp, width: 28, height: 28, colormap: .viridis, range: .automatic)
        let figure = try ImageGridFigure(rows: 1, columns: 1, panels: [ImagePanel(image: panel, showsColorbar: true)])
        let image = try figure.renderImage(scale: 2)
        let bar = figure.colorbarRect(row: 0, column: 0)
        let r = figure.imageRect(row: 0, column: 0)
        XCTAssertGreaterThan(bar.x, r.x + r.width)
        let cx = bar.x + bar.width / 2
        func at(_ y: Double) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
            let (px, py) = devicePoint(cx, y)
            return image.pixel(px, py)
        }
        let top = at(bar.y + 2), bottom = at(bar.y + bar.height - 2)
        let high = Colormap.viridis.color(at: 1 - 2 / bar.height).bytes, low = Colormap.viridis.color(at: 2 / bar.height).bytes
        XCTAssertEqual(Double(top.r), Double(high.red), accuracy: 4)
        XCTAssertEqual(Double(top.g), Double(high.green), accuracy: 4)
        XCTAssertEqual(Double(bottom.r), Double(low.red), accuracy: 4)
        XCTAssertEqual(Double(bottom.b), Double(low.blue), accuracy: 4)
        // Green of viridis rises monotonically from bottom to top.
        var previous = 256.0
        for k in 1..<20 {
            let g = Double(at(bar.y + bar.height * Double(k) / 20).g)
            XCTAssertLessThanOrEqual(g, previous + 1, "step \(k)")
            previous = g
        }
        XCTAssertLessThan(previous, Double(high.green) - 50)
        // The gap between panel and bar is white.
        let (gx, gy) = devicePoint((r.x + r.width + bar.x) / 2, bar.y + bar.height / 2)
        XCTAssertEqual(image.pixel(gx, gy).g, 255)
        // Without a colorbar the same place is white.
        let plain = try ImageGridFigure(rows: 1, columns: 1, panels: [ImagePanel(image: panel)])
        XCTAssertLessThan(plain.width, figure.width)
    }

    func testOverlayColorbarUsesOverlayMapAtAlpha() throws {
        let base = try PanelImage(values: [0, 1, 0, 1], width: 2, height: 2)
        let heat = try PanelImage(values: [-1, 1, 0, 0.5], width: 2, height: 2, colormap: .bwr, range: .symmetric)
        let figure = try ImageGridFigure(rows: 1, columns: 1,
                                         panels: [ImagePanel(image: base, overlay: heat, overlayAlpha: 0.5, showsColorbar: true)])
        let image = try figure.renderImage(scale: 2)
        let bar = figure.colorbarRect(row: 0, column: 0)
        let (x, yTop) = devicePoint(bar.x + bar.width / 2, bar.y + 1.5)
        let top = image.pixel(x, yTop)
        // Red at alpha 0.5 over white → (255, 128, 128).
        XCTAssertEqual(top.r, 255)
        XCTAssertEqual(Double(top.g), 128, accuracy: 4)
        let (_, yMid) = devicePoint(0, bar.y + bar.height / 2)
        let middle = image.pixel(x, yMid)
        XCTAssertGreaterThan(middle.g, 245)
        XCTAssertGreaterThan(middle.b, 245)
    }

    func testEmptyCellsStayBlankAndAnyShapeWorks() throws {
        let digit = try PanelImage(values: Array(repeating: 0, count: 16), width: 4, height: 4)
        let panels: [ImagePanel?] = [ImagePanel(image: digit), nil, ImagePanel(image: digit)]
        let figure = try ImageGridFigure(rows: 2, columns: 3, panels: panels, panelSize: 40)
        let image = try figure.renderImage(scale: 2)
        for (row, column, filled) in [(0, 0, true), (0, 1, false), (0, 2, true), (1, 0, false), (1, 2, false)] {
            let r = figure.imageRect(row: row, column: column)
            let (x, y) = devicePoint(r.x + 20, r.y + 20)
            XCTAssertEqual(image.pixel(x, y).r, filled ? 0 : 255, "cell (\(row), \(column))")
        }
    }

    func testNonSquareImagesKeepAspect() throws {
        let wide = try PanelImage(values: Array(repeating: 0, count: 40 * 20), width: 40, height: 20)
        let figure = try ImageGridFigure(rows: 1, columns: 1, panels: [ImagePanel(image: wide)], panelSize: 80)
        let r = figure.imageRect(row: 0, column: 0)
        XCTAssertEqual(r.width, 80)
        XCTAssertEqual(r.height, 40)
    }

    func testPixelTicksLikeMatplotlib() throws {
        let digit = try PanelImage(values: checker(0), width: 28, height: 28)
        let figure = try ImageGridFigure(rows: 1, columns: 1, panels: [ImagePanel(image: digit, showsTicks: true)])
        XCTAssertGreaterThan(figure.layout.tickLeft, 10)
        let image = try figure.renderImage(scale: 2)
        let r = figure.imageRect(row: 0, column: 0)
        // Tick marks below the image at the centres of pixels 0, 5, …, 25 and not in between.
        let (_, y) = devicePoint(0, r.y + r.height + 1.5)
        for i in stride(from: 0, through: 25, by: 5) {
            let (x, _) = devicePoint(r.x + (Double(i) + 0.5) * 4, 0)
            XCTAssertLessThan(image.pixel(x, y).r, 140, "tick at pixel \(i)")
        }
        let (between, _) = devicePoint(r.x + 3 * 4 + 2, 0)
        XCTAssertEqual(image.pixel(between, y).r, 255)
    }

    func testBadInputThrows() throws {
        XCTAssertThrowsError(try PanelImage(values: [1, 2, 3], width: 2, height: 2))
        XCTAssertThrowsError(try PanelImage(values: [], width: 0, height: 0))
        let digit = try PanelImage(values: [1, 2, 3, 4], width: 2, height: 2)
        XCTAssertThrowsError(try ImageGridFigure(rows: 1, columns: 1, panels: [ImagePanel(image: digit), ImagePanel(image: digit)]))
        XCTAssertThrowsError(try ImageGridFigure(rows: 0, columns: 2, panels: []))
        XCTAssertThrowsError(try ImageGridFigure.digitGrid(images: [digit]))
        XCTAssertThrowsError(try ImageGridFigure(rows: 1, columns: 1, panels: [ImagePanel(image: digit, overlayAlpha: 2)]))
        let smaller = try PanelImage(values: [1], width: 1, height: 1)
        let mismatched = try ImageGridFigure(rows: 1, columns: 1, panels: [ImagePanel(image: digit, overlay: smaller)])
        XCTAssertThrowsError(try mismatched.renderPNG()) { error in
            XCTAssertTrue(String(describing: error).contains("overlay"), "\(error)")
        }
    }
}

final class PanelImageTests: XCTestCase {
    func testDefaultRangeCentresDivergingMaps() throws {
        let values: [Float] = [0.5, 2, 1, 1]
        XCTAssertEqual(try PanelImage(values: values, width: 2, height: 2, colormap: .bwr).resolvedRange, -2...2)
        XCTAssertEqual(try PanelImage(values: values, width: 2, height: 2, colormap: Colormap(named: "seismic_r")).resolvedRange, -2...2)
        XCTAssertEqual(try PanelImage(values: values, width: 2, height: 2, colormap: .hot).resolvedRange, 0.5...2)
        XCTAssertEqual(try PanelImage(values: values, width: 2, height: 2, colormap: .bwr, range: .automatic).resolvedRange, 0.5...2)
    }

    func testColorImageMapsEndsMiddleAndBadValues() throws {
        let image = try ColorImage(values: [-1, 0, 1, .nan, .infinity, 5], width: 6, height: 1, colormap: .bwr, range: -1...1)
        XCTAssertEqual(image.pixels, [0xFF00_00FF, 0xFFFF_FFFF, 0xFFFF_0000, 0, 0, 0xFFFF_0000])
        XCTAssertThrowsError(try ColorImage(values: [1], width: 2, height: 1, colormap: .gray, range: 0...1))
    }

    func testNaNShowsTheBaseImageThrough() throws {
        let base = try PanelImage(values: [0, 0], width: 2, height: 1, colormap: .gray, range: .fixed(0, 1))
        let heat = try PanelImage(values: [.nan, 1], width: 2, height: 1, colormap: .gray, range: .fixed(0, 1))
        let figure = try ImageGridFigure(rows: 1, columns: 1, panels: [ImagePanel(image: base, overlay: heat, overlayAlpha: 1)], panelSize: 40)
        let image = try figure.renderImage(scale: 2)
        let r = figure.imageRect(row: 0, column: 0)
        XCTAssertEqual(image.pixel(Int((r.x + 10) * 2), Int((r.y + 10) * 2)).r, 0, "NaN overlay pixel shows the black base")
        XCTAssertEqual(image.pixel(Int((r.x + 30) * 2), Int((r.y + 10) * 2)).r, 255, "finite overlay pixel covers the base")
    }
}
