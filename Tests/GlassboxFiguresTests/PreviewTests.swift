import Foundation
import XCTest
@testable import GlassboxFigures

/// Synthetic test images shared by the figure tests.
enum Samples {
    /// A ring-shaped "digit" in [0, 1], `size × size`.
    static func ring(size: Int = 28, radius: Double = 8) -> [Float] {
        (0..<size * size).map { i in
            let x = Double(i % size) - Double(size - 1) / 2, y = Double(i / size) - Double(size - 1) / 2
            let d = abs((x * x + y * y).squareRoot() - radius)
            return Float(max(0, 1 - d / 2.5))
        }
    }

    /// A signed heat map: positive on the left half, negative on the right, scaled by `amplitude`.
    static func signedHeat(size: Int = 28, amplitude: Float = 0.01) -> [Float] {
        (0..<size * size).map { i in
            let x = i % size, y = i / size
            let s: Float = x < size / 2 ? 1 : -1
            return s * amplitude * Float(y + 1) / Float(size)
        }
    }
}

/// Renders one sample of every figure kind the tutorial uses, decodes each PNG and checks it is drawn
/// at twice its CSS size. The files go to $GLASSBOX_FIGURE_PREVIEW when set (for looking at them by
/// eye), else to a temporary directory.
final class PreviewTests: XCTestCase {
    func testWritePreviews() throws {
        let directory = ProcessInfo.processInfo.environment["GLASSBOX_FIGURE_PREVIEW"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-previews-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func write(_ figure: some Figure, _ name: String) throws {
            let png = try figure.renderPNG()
            let decoded = try RasterImage(pngBytes: png)
            XCTAssertEqual(decoded.width, Int((figure.width * 2).rounded()), name)
            XCTAssertEqual(decoded.height, Int((figure.height * 2).rounded()), name)
            try Data(png).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name + ".png"))
        }
        for name in ["viridis", "hot_r", "bwr", "seismic", "jet", "gray"] {
            try write(ColormapFigure(name: name), "colormap_" + name)
        }
        let digit = try PanelImage(values: Samples.ring(), width: 28, height: 28)
        let heat = try PanelImage(values: Samples.signedHeat(), width: 28, height: 28,
                                  colormap: .bwr, range: .symmetricIfMixed)
        try write(ImageGridFigure.digitGrid(images: Array(repeating: digit, count: 10),
                                            overlays: Array(repeating: heat, count: 10)), "digit_grid_overlay")
        try write(ImageGridFigure.digitGrid(images: Array(repeating: heat, count: 10), showsTicks: false), "digit_grid_heat")
        let row: [ImagePanel?] = (0..<5).map { d in ImagePanel(image: digit, title: "Grad Digit \(d)") }
        try write(ImageGridFigure(rows: 2, columns: 5, panels: row), "half_grid")
        let shifts = (-20...20).map(Double.init)
        func bump(_ c: Double, _ h: Double) -> [Double] { shifts.map { h * exp(-($0 - c) * ($0 - c) / 40) } }
        let panels = try ["Sensitivity Analysis", "Simple Taylor Decomposition", "Deep Taylor Decomposition"].map { name in
            ChartAxes(series: try [LineSeries(x: shifts, y: bump(0, 25.6), label: "f(x)", showsMarkers: true)]
                        + (1...4).map { q in try LineSeries(x: shifts, y: bump(Double(q) - 2, 6), label: "R\(q)", showsMarkers: true) },
                      title: name + " for Image Translation", xLabel: "Digit Position", yLabel: "Relevance Scores", legend: .upperLeft)
        }
        try write(LineChartFigure(axes: panels), "continuity")
        let flips = (0..<20).map(Double.init)
        try write(LineChartFigure(axes: [ChartAxes(series: [
            try LineSeries(x: flips, y: flips.map { 20 * exp(-$0 / 5) }, label: "Sensitivity Analysis", showsMarkers: true),
            try LineSeries(x: flips, y: flips.map { 20 * exp(-$0 / 3) }, label: "Simple Taylor Decomposition", showsMarkers: true),
            try LineSeries(x: flips, y: flips.map { 20 * exp(-$0 / 2) }, label: "Deep Taylor Decomposition", showsMarkers: true),
        ], title: "Explanation Technique Comparison with Pixel-Flipping", xLabel: "Number of Features Removed",
           yLabel: "Average Classification Score", xMin: 0, xMax: 19, yMin: 0, xTicks: [0, 5, 10, 15])],
            plotWidth: 420, plotHeight: 280), "pixel_flipping")
    }
}
