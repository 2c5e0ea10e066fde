import GlassboxEngine
import GlassboxFigures

/// `quiver(x, y, u, v)`: vector fields as arrows (chapter 5.1 draws the explanations of the
/// max(x₁, x₂) network as vector fields over the input plane).
extension PlotBuiltin {
    static let quiver = Builtin(
        name: "quiver",
        parameters: [
            BuiltinParameter(nil, name: "x", type: "Tensor or List", doc: "the x of each arrow's tail"),
            BuiltinParameter(nil, name: "y", type: "Tensor or List", doc: "the y of each arrow's tail (as many as x)"),
            BuiltinParameter(nil, name: "u", type: "Tensor, List or List of Tensors",
                             doc: "each arrow's x component; a List of Tensors draws one panel per field, side by side"),
            BuiltinParameter(nil, name: "v", type: "Tensor, List or List of Tensors", doc: "each arrow's y component, matching u"),
            BuiltinParameter("titles", type: "String or List", default: .nil, doc: "a title per panel"),
            BuiltinParameter("xLabel", type: "String", default: .nil, doc: "x axis label"),
            BuiltinParameter("yLabel", type: "String", default: .nil, doc: "y axis label"),
            BuiltinParameter("scale", type: "Double", default: .nil,
                             doc: "data units per vector unit; nil: the longest arrow of all panels spans 0.9 of the grid spacing (one scale for every panel, so lengths compare)"),
            BuiltinParameter("diagonal", type: "Bool", default: .bool(false), doc: "draw the line y = x (dashed gray) under the arrows"),
        ],
        returns: "Figure",
        summary: "Vector fields as arrows from (x, y) along (u, v), one panel per field, all on one scale.",
        example: "let x = tensor([0.25, 0.75, 0.25, 0.75])\nlet y = tensor([0.25, 0.25, 0.75, 0.75])\nquiver(x, y, x, y * 0, titles: \"(x, 0)\")"
    ) { args, _ in
        func numbers(_ value: ScriptValue, _ name: String) throws -> [Double] {
            switch value {
            case .tensor(let t): return t.scalars.map(Double.init)
            case .list(let items):
                return try items.enumerated().map { i, item in
                    guard let n = item.numberValue else { throw args.error(.type, name, "item \(i) is \(item.typeName), not a number") }
                    return n
                }
            default: throw args.error(.type, name, "must be a Tensor or a List of numbers, got \(value.typeName)")
            }
        }
        func fields(_ name: String) throws -> [[Double]] {
            if case .list(let items) = args.value(name), case .tensor = items.first { return try items.map { try numbers($0, name) } }
            return [try numbers(args.value(name), name)]
        }
        let x = try numbers(args.value("x"), "x"), y = try numbers(args.value("y"), "y")
        guard !x.isEmpty, x.count == y.count else { throw args.error(.value, "y", "has \(y.count) values for \(x.count) x values") }
        let us = try fields("u"), vs = try fields("v")
        guard us.count == vs.count else { throw args.error(.value, "v", "has \(vs.count) fields for \(us.count) in u") }
        for (k, (u, v)) in zip(us, vs).enumerated() where u.count != x.count || v.count != x.count {
            throw args.error(.value, "u", "field \(k) has \(u.count) and \(v.count) components for \(x.count) points")
        }
        var titles: [String?] = us.map { _ in nil }
        switch args.value("titles") {
        case .nil: break
        case .string(let s): titles = us.map { _ in s }
        default:
            let given = try args.strings("titles")
            guard given.count == us.count else { throw args.error(.value, "titles", "has \(given.count) titles for \(us.count) panels") }
            titles = given
        }
        let scale: Double
        if let given = try args.optionalDouble("scale") {
            guard given.isFinite, given > 0 else { throw args.error(.value, "scale", "must be a positive number") }
            scale = given
        } else {
            func spacing(_ values: [Double]) -> Double? {
                let sorted = Array(Set(values)).sorted()
                return zip(sorted, sorted.dropFirst()).map { $1 - $0 }.min()
            }
            let grid = [spacing(x), spacing(y)].compactMap { $0 }.min() ?? 1
            var longest = 0.0
            for (u, v) in zip(us, vs) {
                for (a, b) in zip(u, v) {
                    let length: Double = (a * a + b * b).squareRoot()
                    if length.isFinite { longest = max(longest, length) }
                }
            }
            scale = longest > 0 ? 0.9 * grid / longest : 1
        }
        let diagonal = try args.bool("diagonal")
        let (low, high) = (min(x.min()!, y.min()!), max(x.max()!, y.max()!))
        let axes = try zip(zip(us, vs), titles).map { field, title in
            ChartAxes(series: diagonal ? [try LineSeries(x: [low, high], y: [low, high], color: RGB(0.6, 0.6, 0.6), lineWidth: 0.8)] : [],
                      title: title, xLabel: try args.optionalString("xLabel"), yLabel: try args.optionalString("yLabel"),
                      legend: .none, arrows: (0..<x.count).map { i in ChartArrow(x: x[i], y: y[i], dx: scale * field.0[i], dy: scale * field.1[i]) })
        }
        let figure = try BindingErrors.translating("quiver") { try LineChartFigure(axes: axes, plotWidth: 240, plotHeight: 240) }
        return .object(FigureValue(figure, title: "Vector field" + (us.count > 1 ? "s (\(us.count))" : "")))
    }
}
