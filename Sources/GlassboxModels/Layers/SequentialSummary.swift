import GlassboxEngine

extension Sequential {
    /// The number of trainable values in all parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// A table of the layers: name, kind, output shape (without batch) and parameter count, then
    /// the total — what a notebook prints for `model.summary`.
    public var summary: String {
        var rows: [(String, String, String, String)] = [("layer", "kind", "output shape", "parameters")]
        rows.append(("input", "", "\(inputShape)", ""))
        for (layer, shape) in zip(layers, layerOutputShapes) {
            let count = layer.parameters.reduce(0) { $0 + $1.value.count }
            rows.append((layer.name, layer.kind.rawValue, "\(shape)", count == 0 ? "" : "\(count)"))
        }
        let widths = [rows.map(\.0.count).max()!, rows.map(\.1.count).max()!, rows.map(\.2.count).max()!]
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: w - s.count) }
        var lines = rows.map { "\(pad($0.0, widths[0]))  \(pad($0.1, widths[1]))  \(pad($0.2, widths[2]))  \($0.3)" }
        lines.append("total parameters: \(parameterCount)")
        return lines.map { $0.replacingTrailingSpaces() }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func replacingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
