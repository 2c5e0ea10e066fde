/// Showing values.
enum DisplayBuiltins {
    static var all: [Builtin] { [show] }

    static let show = Builtin(
        name: "show",
        parameters: [BuiltinParameter(nil, name: "value", type: "Any", doc: "the value to display (figures show as images)")],
        summary: "Displays a value now, in its richest form (an image for figures), even in the middle of a cell.",
        example: "show(colormap(\"viridis\"))"
    ) { args, context in
        context.host.display(try Display.output(for: args.value("value")), displayID: nil)
        return .nil
    }
}
