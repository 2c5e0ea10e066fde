import GlassboxEngine
import GlassboxFigures

/// Builds `ImageGridFigure`s from image batches and heat maps.
enum ImageGridRendering {
    /// A grid of `batch`'s images, with `overlay` (one map per image, `[N, 1, H, W]`) blended on top
    /// when given. Without images underneath, pass the heat maps as `batch` and no overlay.
    static func figure(for batch: ImageBatch, overlay: ImageBatch?, options: ImageGridOptions,
                       function: String, heatmapOnly: Bool = false) throws -> ImageGridFigure {
        let count = batch.count
        guard count > 0 else { throw ScriptError(.value, "\(function): there are no images to show") }
        guard count <= ImageBatch.maximumShown else {
            throw ScriptError(.value, "\(function): \(count) images are too many to draw (at most \(ImageBatch.maximumShown)); show a slice such as [0..<\(min(10, count))]")
        }
        if let overlay {
            guard overlay.count == count, overlay.height == batch.height, overlay.width == batch.width else {
                throw ScriptError(.value, "\(function): argument 'over' has \(count) images of \(batch.height)×\(batch.width) but the heat maps are \(overlay.count) of \(overlay.height)×\(overlay.width)")
            }
        }
        if let columns = options.columns, columns <= 0 {
            throw ScriptError(.value, "\(function): argument 'columns' must be positive, got \(columns)")
        }
        guard options.alpha.isFinite, (0...1).contains(options.alpha) else {
            throw ScriptError(.value, "\(function): argument 'alpha' must be between 0 and 1, got \(ScriptValue.format(options.alpha))")
        }
        let columns = min(count, options.columns ?? (count == 10 ? 2 : min(count, 10)))
        let rows = (count + columns - 1) / columns
        guard rows * columns <= 400 else {
            throw ScriptError(.value, "\(function): a grid of \(rows)×\(columns) is too large; use more columns")
        }
        let stride = batch.height * batch.width
        let isHeatmap = overlay != nil || heatmapOnly
        let mapped = overlay ?? batch
        let mapColormap = options.colormap ?? (isHeatmap ? defaultHeatmapColormap(mapped.images) : .gray)
        var panels: [ImagePanel?] = []
        panels.reserveCapacity(count)
        let batchValues = try BindingErrors.translating(function) { try batch.tensor() }
        let overlayValues = try overlay.map { o in try BindingErrors.translating(function) { try o.tensor() } }
        for index in 0..<count {
            let base = Array(batchValues.scalars[(index * stride)..<((index + 1) * stride)])
            let title = try options.title(index: index, label: batch.labels?[index] ?? overlay?.labels?[index], function: function)
            let panel: ImagePanel
            if let overlayValues {
                let heat = Array(overlayValues.scalars[(index * stride)..<((index + 1) * stride)])
                panel = ImagePanel(
                    image: try PanelImage(values: base, width: batch.width, height: batch.height, colormap: .gray),
                    overlay: try PanelImage(values: heat, width: batch.width, height: batch.height, colormap: mapColormap, range: options.range),
                    overlayAlpha: options.alpha, title: title, showsColorbar: options.colorbar ?? true, showsTicks: options.ticks)
            } else {
                panel = ImagePanel(
                    image: try PanelImage(values: base, width: batch.width, height: batch.height, colormap: mapColormap, range: options.range),
                    title: title, showsColorbar: options.colorbar ?? isHeatmap, showsTicks: options.ticks)
            }
            panels.append(panel)
        }
        return try BindingErrors.translating(function) {
            try ImageGridFigure(rows: rows, columns: columns, panels: panels, panelSize: options.panelSize)
        }
    }

    /// bwr for maps with negative values, hot for non-negative maps (the reference's choices).
    static func defaultHeatmapColormap(_ values: Tensor) -> Colormap {
        values.scalars.contains { $0 < 0 } ? .bwr : .hot
    }

    /// The display of a figure with `text` as its plain-text form.
    static func output(_ figure: any Figure, text: String, function: String) throws -> RichOutput {
        let bytes = try BindingErrors.translating(function) { try figure.renderPNG(scale: 2) }
        let size = figure.pngMetadata
        return RichOutput(text: text, png: PNGImage(bytes: bytes, width: size["width"] ?? Int(figure.width),
                                                    height: size["height"] ?? Int(figure.height)))
    }
}
