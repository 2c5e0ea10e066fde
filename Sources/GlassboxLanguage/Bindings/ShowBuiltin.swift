import GlassboxEngine
import GlassboxFigures

/// `show(…)` extended for images and heat maps: `over:`, `cmap:`, `alpha:`, `titles:`, `columns:`,
/// `colorbar:`, `range:`, `ticks:`, `predictions:`. Other values display as before.
enum ShowBuiltin {
    static var all: [Builtin] { [show] }

    static let show = Builtin(
        name: "show",
        parameters: [
            BuiltinParameter(nil, name: "value", type: "Any",
                             doc: "what to display: an ImageBatch, an Explanation, a Tensor of heat maps, a figure, a table, or any value"),
            BuiltinParameter("over", type: "ImageBatch", default: .nil, doc: "draw the value as a heat map over these images (gray underneath)"),
            BuiltinParameter("cmap", type: "String", default: .nil, doc: "colour map: gray, hot, viridis, bwr, seismic, jet (add _r to reverse); nil = the value's default"),
            BuiltinParameter("alpha", type: "Double", default: .nil, doc: "opacity of a heat map drawn over images (0…1); nil = 0.5"),
            BuiltinParameter("titles", type: "String or List", default: .nil,
                             doc: "panel title template with {label}, {index}, {prediction}, or a List of Strings (one per panel); nil = \"Digit: {label}\" when labels are known, \"\" for none"),
            BuiltinParameter("columns", type: "Int", default: .nil, doc: "grid columns; nil = 2 for ten images (the 5×2 digit grid), else up to 10"),
            BuiltinParameter("colorbar", type: "Bool", default: .nil, doc: "a colorbar beside every panel; nil = for heat maps"),
            BuiltinParameter("range", type: "Any", default: .nil,
                             doc: "value range: \"auto\" ([min, max]), \"symmetric\" ([−A, A]), \"mixed\" (symmetric only when signs mix) or [low, high]"),
            BuiltinParameter("ticks", type: "Bool", default: .bool(false), doc: "pixel-index ticks along the panel edges"),
            BuiltinParameter("predictions", type: "Predictions or List", default: .nil, doc: "predicted classes for {prediction} (from predict(model, images))"),
        ],
        summary: "Displays a value now, in its richest form: images and heat maps as a grid of panels, figures as images.",
        details: "Heat maps (Explanations, Tensors shaped like the images) use bwr with a symmetric range when they have "
            + "negative values and hot otherwise, unless cmap:/range: say otherwise. Explanations keep the style of their "
            + "method's chapter. Up to 100 images are drawn.",
        example: "show(xs)\nshow(e, over: xs, cmap: \"bwr\", alpha: 0.5, titles: \"Digit {label}\")\nshow(xs[0..<2], titles: [\"first\", \"second\"])\nshow(colormap(\"viridis\"))"
    ) { args, context in
        let value = args.value("value")
        let ticks = try args.bool("ticks")
        let styled = ticks || ["over", "cmap", "alpha", "titles", "columns", "colorbar", "range", "predictions"].contains { !args.isNil($0) }
        switch value {
        case .object(let batch as ImageBatch):
            var options = try options(args, base: batch.displayOptions, panels: args.isNil("over") ? batch.count : nil)
            if !args.isNil("over") {
                let over = try args.imageBatch("over")
                options.colorbar = options.colorbar ?? true
                let figure = try ImageGridRendering.figure(for: over, overlay: batch, options: options, function: "show")
                context.host.display(try ImageGridRendering.output(figure, text: batch.textDescription, function: "show"), displayID: nil)
            } else {
                let figure = try ImageGridRendering.figure(for: batch, overlay: nil, options: options, function: "show")
                context.host.display(try ImageGridRendering.output(figure, text: batch.textDescription, function: "show"), displayID: nil)
            }
        case .object(let explanation as ExplanationValue):
            var base = explanation.displayOptions
            if !args.isNil("cmap") { base.range = nil }
            let options = try options(args, base: base, panels: explanation.explanation.count)
            let figure: ImageGridFigure
            if !args.isNil("over") {
                let over = try args.imageBatch("over")
                figure = try ImageGridRendering.figure(for: over, overlay: try explanation.maps(), options: options, function: "show")
            } else {
                figure = try explanation.figure(options: options, overInput: explanation.style.overInput, function: "show")
            }
            context.host.display(try explanation.output(figure, function: "show"), displayID: nil)
        case .tensor(let tensor) where styled:
            let maps: ImageBatch
            do {
                maps = try ImageBatch(tensor: tensor, labels: nil, origin: "heat maps")
            } catch let problem as ScriptError {
                throw args.error(.value, "value", problem.message)
            }
            let options = try options(args, base: ImageGridOptions(), panels: args.isNil("over") ? maps.count : nil)
            let figure: ImageGridFigure
            if !args.isNil("over") {
                let over = try args.imageBatch("over")
                var withColorbar = options
                withColorbar.colorbar = options.colorbar ?? true
                figure = try ImageGridRendering.figure(for: over, overlay: maps, options: withColorbar, function: "show")
            } else {
                figure = try ImageGridRendering.figure(for: maps, overlay: nil, options: options, function: "show", heatmapOnly: true)
            }
            context.host.display(try ImageGridRendering.output(figure, text: maps.textDescription, function: "show"), displayID: nil)
        default:
            if styled {
                throw args.error(.type, "value", "is a \(value.typeName); the image options (over:, cmap:, titles:, …) apply to an ImageBatch, an Explanation or a Tensor of images")
            }
            context.host.display(try Display.output(for: value), displayID: nil)
        }
        return .nil
    }

    /// `base` with the options given in `args`.
    /// `panels` (when known) is the number of panels, which a List of titles must match.
    static func options(_ args: BoundArguments, base: ImageGridOptions, panels: Int? = nil) throws -> ImageGridOptions {
        var options = base
        if let map = try ImageGridOptions.parseColormap(args.value("cmap"), function: "show") { options.colormap = map }
        if let alpha = try args.optionalDouble("alpha") { options.alpha = alpha }
        switch args.value("titles") {
        case .nil: break
        case .string(let template):
            options.titles = template
            options.titleList = nil
        case .list(let items):
            options.titleList = try items.enumerated().map { index, item in
                guard case .string(let title) = item else {
                    throw args.error(.type, "titles", "must hold Strings, item \(index) is \(item.typeName) \(item.repr.prefix(30))")
                }
                return title
            }
            if let panels, panels != items.count {
                throw args.error(.value, "titles", "has \(items.count) title\(items.count == 1 ? "" : "s") for \(panels) panel\(panels == 1 ? "" : "s"); give one per panel")
            }
        case let other:
            throw args.error(.type, "titles", "must be a String template or a List of Strings, got \(other.typeName)")
        }
        if let columns = try args.optionalInt("columns") { options.columns = columns }
        if !args.isNil("colorbar") { options.colorbar = try args.bool("colorbar") }
        if let range = try ImageGridOptions.parseRange(args.value("range"), function: "show") { options.range = range }
        options.ticks = try args.bool("ticks")
        switch args.value("predictions") {
        case .nil: break
        case .object(let predictions as Predictions): options.predictions = predictions.classes
        case .list: options.predictions = try args.intList("predictions")
        case let other: throw args.error(.type, "predictions", "must be Predictions (from predict) or a List of Ints, got \(other.typeName)")
        }
        return options
    }
}
