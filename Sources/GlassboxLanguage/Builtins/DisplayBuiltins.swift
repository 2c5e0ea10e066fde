import GlassboxFigures

/// Showing values and colormaps.
enum DisplayBuiltins {
    static var all: [Builtin] { [show, colormap, clearOutput] }

    static let colormap = Builtin(
        name: "colormap",
        parameters: [BuiltinParameter(nil, name: "name", type: "String",
                                      doc: "one of " + Colormap.allNames.joined(separator: ", "))],
        returns: "Figure",
        summary: "A figure showing a colormap as a horizontal bar with ticks from 0 to 1.",
        details: "Heatmaps use 'bwr' or 'seismic' (diverging: blue negative, red positive), 'hot' or 'viridis' "
            + "(sequential) and 'gray' for digits; add '_r' to reverse a map.",
        example: "show(colormap(\"viridis\"))\ncolormap(\"bwr\")"
    ) { args, _ in
        let name = try args.string("name")
        guard Colormap.allNames.contains(name) else {
            throw ScriptError(.value, "colormap: argument 'name' must be a known colormap, got \"\(name)\"; known: "
                              + Colormap.allNames.joined(separator: ", "),
                              at: args.ranges["name"], suggestions: Suggestions.closest(to: name, among: Colormap.allNames))
        }
        do {
            let figure = try ColormapFigure(name: name)
            return .object(FigureValue(figure, title: "Colormap \(name)",
                                       properties: [("name", .string(name)), ("isDiverging", .bool(figure.colormap.isDiverging))]))
        } catch let error as FigureError {
            throw ScriptError(.value, "colormap: \(error.description)", at: args.ranges["name"])
        }
    }

    static let show = Builtin(
        name: "show",
        parameters: [BuiltinParameter(nil, name: "value", type: "Any", doc: "the value to display (figures show as images)")],
        summary: "Displays a value now, in its richest form (an image for figures), even in the middle of a cell.",
        example: "show(colormap(\"viridis\"))"
    ) { args, context in
        context.host.display(try Display.output(for: args.value("value")), displayID: nil)
        return .nil
    }

    static let clearOutput = Builtin(
        name: "clearOutput",
        parameters: [BuiltinParameter("wait", type: "Bool", default: .bool(false),
                                      doc: "clear only when the next output arrives, so that a redrawn figure does not flicker")],
        summary: "Clears what the running cell has shown so far (in Jupyter; elsewhere it does nothing).",
        example: "print(\"step 1\")\nclearOutput()\nprint(\"step 2\")"
    ) { args, context in
        context.host.clearOutput(wait: try args.bool("wait"))
        return .nil
    }
}
