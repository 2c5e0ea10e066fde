import XCTest
@testable import GlassboxFigures

/// A figure that fills known rectangles, to test rendering and decoding independent of layout.
struct SwatchFigure: Figure {
    var width: Double = 40
    var height: Double = 20
    func draw(into context: DrawingContext) throws {
        context.fillRect(x: 0, y: 0, width: 20, height: 20, color: RGB(1, 0, 0))
        context.fillRect(x: 20, y: 0, width: 20, height: 20, color: RGB(0, 0, 1))
    }
}

struct FailingFigure: Figure {
    var width: Double = 10
    var height: Double = 10
    func draw(into context: DrawingContext) throws {
        throw FigureError.invalidArgument(what: "test", reason: "fails on purpose")
    }
}

final class RenderingTests: XCTestCase {
    func testPNGRoundTripAtScale() throws {
        let png = try SwatchFigure().renderPNG(scale: 2)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let image = try RasterImage(pngBytes: png)
        XCTAssertEqual(image.width, 80)
        XCTAssertEqual(image.height, 40)
        let left = image.pixel(10, 10), right = image.pixel(70, 30)
        XCTAssertEqual([left.r, left.g, left.b, left.a], [255, 0, 0, 255])
        XCTAssertEqual([right.r, right.g, right.b], [0, 0, 255])
        // The boundary sits exactly at device x = 40.
        XCTAssertEqual(image.pixel(39, 5).r, 255)
        XCTAssertEqual(image.pixel(40, 5).b, 255)
        XCTAssertEqual(SwatchFigure().pngMetadata, ["width": 40, "height": 20])
        let scale1 = try RasterImage(pngBytes: SwatchFigure().renderPNG(scale: 1))
        XCTAssertEqual(scale1.width, 40)
    }

    func testErrorsAreThrownNotCrashes() {
        XCTAssertThrowsError(try FailingFigure().renderPNG())
        XCTAssertThrowsError(try SwatchFigure().renderPNG(scale: 0))
        XCTAssertThrowsError(try SwatchFigure(width: 0, height: 10).renderPNG())
        XCTAssertThrowsError(try SwatchFigure(width: .nan, height: 10).renderPNG())
        XCTAssertThrowsError(try RasterImage(pngBytes: [1, 2, 3]))
        XCTAssertThrowsError(try RasterImage(pngBytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]))
    }

    func testNearestNeighbourImageUpscaling() throws {
        struct Checker: Figure {
            var width: Double = 20
            var height: Double = 20
            func draw(into context: DrawingContext) throws {
                let image = try ColorImage(values: [0, 1, 1, 0], width: 2, height: 2, colormap: .gray, range: 0...1)
                try context.drawImage(image, x: 0, y: 0, width: 20, height: 20)
            }
        }
        let image = try Checker().renderImage(scale: 2)
        // 2×2 checker scaled to 40×40 device px: sharp 20-px blocks, no blur at the edge.
        XCTAssertEqual(image.pixel(19, 0).r, 0)
        XCTAssertEqual(image.pixel(20, 0).r, 255)
        XCTAssertEqual(image.pixel(0, 19).r, 0)
        XCTAssertEqual(image.pixel(0, 20).r, 255)
        XCTAssertEqual(image.pixel(39, 39).r, 0)
    }

    func testColormapFigureBarFollowsMap() throws {
        for name in ["gray", "viridis", "hot_r"] {
            let figure = try ColormapFigure(name: name)
            let image = try figure.renderImage(scale: 2)
            XCTAssertEqual(image.width, 960)
            let bar = figure.barRect
            let y = Int((bar.y + bar.height / 2) * 2)
            let map = try Colormap(named: name)
            for t in [0.02, 0.25, 0.5, 0.75, 0.98] {
                let x = Int((bar.x + t * bar.width) * 2)
                let p = image.pixel(x, y)
                let expected = map.color(at: t).bytes
                XCTAssertEqual(Double(p.r), Double(expected.red), accuracy: 4, "\(name) at \(t)")
                XCTAssertEqual(Double(p.g), Double(expected.green), accuracy: 4, "\(name) at \(t)")
                XCTAssertEqual(Double(p.b), Double(expected.blue), accuracy: 4, "\(name) at \(t)")
            }
            // Title text is drawn: some dark pixels in the title band.
            var dark = 0
            for yy in 10..<48 { for xx in 0..<image.width where image.pixel(xx, yy).r < 100 { dark += 1 } }
            XCTAssertGreaterThan(dark, 30, "title of \(name) missing")
            // Tick labels below the bar.
            var labelInk = 0
            let below = Int((bar.y + bar.height + 6) * 2)
            for yy in below..<min(image.height, below + 24) { for xx in 0..<image.width where image.pixel(xx, yy).r < 100 { labelInk += 1 } }
            XCTAssertGreaterThan(labelInk, 30, "tick labels of \(name) missing")
        }
        XCTAssertThrowsError(try ColormapFigure(name: "nope"))
    }
}
