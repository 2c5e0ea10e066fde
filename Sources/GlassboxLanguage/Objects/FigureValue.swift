import GlassboxFigures

/// A figure as a value of the language: displayed as a PNG (2x pixels, shown at its CSS size).
public struct FigureValue: ScriptObject {
    /// The figure to draw.
    public let figure: any Figure
    /// A short description used as the text/plain of the display, e.g. "Colormap viridis".
    public let title: String
    /// Extra read-only properties the figure exposes (e.g. a colormap's name).
    public let extraProperties: [(String, ScriptValue)]

    public init(_ figure: any Figure, title: String, properties: [(String, ScriptValue)] = []) {
        self.figure = figure
        self.title = title
        self.extraProperties = properties
    }

    public var typeName: String { "Figure" }

    public var propertyNames: [String] { ["width", "height", "title"] + extraProperties.map(\.0) }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "width": return .double(figure.width)
        case "height": return .double(figure.height)
        case "title": return .string(title)
        default: return extraProperties.first { $0.0 == name }?.1
        }
    }

    public var textDescription: String {
        "<Figure: \(title), \(Int(figure.width.rounded()))×\(Int(figure.height.rounded())) px>"
    }

    public func richOutput() throws -> RichOutput? {
        let bytes: [UInt8]
        do {
            bytes = try figure.renderPNG(scale: 2)
        } catch let error as FigureError {
            throw ScriptError(.runtime, "could not draw the figure '\(title)': \(error.description)")
        }
        let size = figure.pngMetadata
        return RichOutput(text: textDescription,
                          png: PNGImage(bytes: bytes, width: size["width"] ?? Int(figure.width), height: size["height"] ?? Int(figure.height)))
    }
}
