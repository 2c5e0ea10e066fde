import GlassboxFigures

/// How `show` draws images and heat maps: colour map, overlay opacity, titles, layout, colorbar and
/// value range. Parsed from `show`'s arguments; defaults follow the reference's digit grids.
public struct ImageGridOptions: Sendable {
    /// The colour map of the heat map (or of the images when there is no heat map); nil = default
    /// (gray for images, bwr for signed maps, hot for non-negative maps).
    public var colormap: Colormap?
    /// Opacity of a heat map drawn over images.
    public var alpha: Double = 0.5
    /// Title template with `{label}`, `{index}`, `{prediction}`; nil = "Digit: {label}" when labels are known.
    public var titles: String?
    /// One title (itself a template) per panel, instead of `titles`; "" leaves a panel untitled.
    public var titleList: [String]?
    /// Grid columns; nil = 2 for ten images (the reference's 5×2 digit grid), else up to 10.
    public var columns: Int?
    /// Whether each panel has a colorbar; nil = for heat maps only.
    public var colorbar: Bool?
    /// The value range of the heat map (or the images); nil = symmetric for diverging maps, else [min, max].
    public var range: ValueRange?
    /// Pixel-index ticks along the edges.
    public var ticks: Bool = false
    /// Predicted classes for `{prediction}`.
    public var predictions: [Int]?
    /// CSS pixels per panel side.
    public var panelSize: Double = 112

    public init() {}

    /// The placeholders a title template may use.
    public static let placeholders = ["label", "index", "prediction"]

    /// The title of image `index`, or nil for no title.
    func title(index: Int, label: Int?, function: String) throws -> String? {
        let template: String?
        if let titleList {
            guard index < titleList.count else {
                throw ScriptError(.value, "\(function): argument 'titles' has \(titleList.count) title\(titleList.count == 1 ? "" : "s") "
                                  + "but the figure has more panels (panel \(index) has none); give one per panel")
            }
            template = titleList[index]
        } else {
            template = titles ?? (label != nil ? "Digit: {label}" : nil)
        }
        guard let template, !template.isEmpty else { return nil }
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ScriptError(.value, "\(function): argument 'titles' has a '{' without a closing '}' in \"\(template)\"")
            }
            let name = String(rest[rest.index(after: open)..<close])
            switch name {
            case "label":
                guard let label else {
                    throw ScriptError(.value, "\(function): argument 'titles' uses {label} but the images have no labels")
                }
                result += String(label)
            case "index":
                result += String(index)
            case "prediction":
                guard let predictions, index < predictions.count else {
                    throw ScriptError(.value, "\(function): argument 'titles' uses {prediction}; pass predictions: predict(model, images) (or show an explanation)")
                }
                result += String(predictions[index])
            default:
                throw ScriptError(.value, "\(function): argument 'titles' has an unknown placeholder {\(name)}; use "
                                  + ImageGridOptions.placeholders.map { "{\($0)}" }.joined(separator: ", "),
                                  suggestions: Suggestions.closest(to: name, among: ImageGridOptions.placeholders).map { "{\($0)}" })
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// Parses a `range:` argument: "auto", "symmetric", "mixed" (the reference's pixel_range) or [lo, hi].
    static func parseRange(_ value: ScriptValue, function: String) throws -> ValueRange? {
        switch value {
        case .nil: return nil
        case .string(let name):
            guard let range = ValueRange(name: name) else {
                throw ScriptError(.value, "\(function): argument 'range' must be \"auto\", \"symmetric\", \"mixed\" or [low, high], got \"\(name)\"",
                                  suggestions: Suggestions.closest(to: name, among: ["auto", "symmetric", "mixed"]))
            }
            return range
        case .list(let items) where items.count == 2:
            guard let low = items[0].numberValue, let high = items[1].numberValue, low.isFinite, high.isFinite, low < high else {
                throw ScriptError(.value, "\(function): argument 'range' must be [low, high] with finite low < high, got \(value.repr)")
            }
            return .fixed(low, high)
        default:
            throw ScriptError(.type, "\(function): argument 'range' must be \"auto\", \"symmetric\", \"mixed\" or [low, high], got \(value.typeName) \(value.repr.prefix(40))")
        }
    }

    /// Parses a `cmap:` argument.
    static func parseColormap(_ value: ScriptValue, function: String) throws -> Colormap? {
        switch value {
        case .nil: return nil
        case .string(let name):
            guard let map = try? Colormap(named: name) else {
                throw ScriptError(.value, "\(function): argument 'cmap' must be a known colormap, got \"\(name)\"; known: "
                                  + Colormap.allNames.joined(separator: ", "),
                                  suggestions: Suggestions.closest(to: name, among: Colormap.allNames))
            }
            return map
        default:
            throw ScriptError(.type, "\(function): argument 'cmap' must be a String such as \"bwr\", got \(value.typeName)")
        }
    }
}
