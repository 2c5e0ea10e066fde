import Foundation
import GlassboxEngine
import GlassboxFigures
import GlassboxMethods

/// Images that update in place while an optimisation runs (class prototypes, feature
/// visualisations): one display made at the first snapshot and replaced (Jupyter's
/// `update_display_data` with the same display id) at later ones, with the step and the cost under
/// the images. It sits beside the cell's progress bar; when the work ends it keeps the images the
/// builtin returns, with a line saying which step they are from.
///
/// Snapshots come every `every` steps (the optimisation decides), and are drawn at most every
/// `minimumInterval` seconds so that a fast optimisation is not slowed by drawing; the last one is
/// always drawn.
final class LiveImages {
    private let host: any LanguageHost
    private let displayID: String
    private let function: String
    private let titles: [String]?
    private let minimumInterval: Double
    private let clock: () -> Double
    private var lastDraw = -Double.infinity
    private var shown = false
    /// The last snapshot received (drawn or not).
    private(set) var last: InputOptimization.Snapshot?
    /// How many times the display was drawn (the first display and its updates).
    private(set) var draws = 0

    init(context: CallContext, function: String, titles: [String]?, minimumInterval: Double = 0.25,
         clock: @escaping () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        host = context.host
        displayID = context.session.nextDisplayID(prefix: "live")
        self.function = function
        self.titles = titles
        self.minimumInterval = minimumInterval
        self.clock = clock
    }

    /// Receives a snapshot of the optimisation; draws it unless one was drawn less than
    /// `minimumInterval` ago. Final snapshots are kept for `finish`.
    func update(_ snapshot: InputOptimization.Snapshot) throws {
        last = snapshot
        guard !snapshot.final else { return }
        let now = clock()
        guard now - lastDraw >= minimumInterval else { return }
        lastDraw = now
        try draw(snapshot.images, caption: "\(function) · step \(snapshot.step)/\(snapshot.steps) · cost "
                 + NumberFormat.significant(Double(snapshot.cost), digits: 6))
    }

    /// Draws `images` (the result the builtin returns) with a closing caption.
    func finish(_ images: Tensor, caption: String) throws {
        try draw(images, caption: "\(function) · " + caption)
    }

    private func draw(_ images: Tensor, caption: String) throws {
        let output = try Self.render(images, titles: titles, caption: caption, function: function)
        if shown {
            host.updateDisplay(output, displayID: displayID)
        } else {
            host.display(output, displayID: displayID)
            shown = true
        }
        draws += 1
    }

    /// One row (up to 10 per row) of small gray panels, each with its own automatic range, the
    /// caption under them in HTML and as the text.
    static func render(_ images: Tensor, titles: [String]?, caption: String, function: String) throws -> RichOutput {
        let n = images.shape.first ?? 0
        let per = n > 0 ? images.count / n : 0
        let (h, w): (Int, Int)
        if images.rank >= 3 {
            (h, w) = (images.shape[images.rank - 2], images.shape[images.rank - 1])
        } else {
            (h, w) = (1, per)
        }
        guard n > 0, h * w == per else {
            throw ScriptError(.runtime, "\(function): cannot draw images of shape \(images.shape)")
        }
        let shown = min(n, ImageBatch.maximumShown)
        var panels: [ImagePanel?] = []
        for i in 0..<shown {
            let values = Array(images.scalars[(i * per)..<((i + 1) * per)])
            let title = titles.flatMap { i < $0.count ? $0[i] : nil }
            panels.append(ImagePanel(image: try BindingErrors.translating(function) {
                try PanelImage(values: values, width: w, height: h, colormap: .gray)
            }, title: title, showsColorbar: false, showsTicks: false))
        }
        let columns = min(shown, 10)
        let figure = try BindingErrors.translating(function) {
            try ImageGridFigure(rows: (shown + columns - 1) / columns, columns: columns, panels: panels, panelSize: 56)
        }
        var output = try ImageGridRendering.output(figure, text: caption, function: function)
        if let png = output.png {
            output.html = "<div class=\"glassbox-live\">"
                + "<img src=\"data:image/png;base64,\(Data(png.bytes).base64EncodedString())\" width=\"\(png.width)\" "
                + "alt=\"\(HTMLText.escape(caption))\" style=\"max-width:100%;height:auto\"/>\n"
                + "<div style=\"font-family:DejaVu Sans,sans-serif;font-size:12px\">\(HTMLText.escape(caption))</div></div>"
        }
        return output
    }
}
