import Foundation

/// A PNG image and the size (in CSS pixels) at which to show it.
public struct PNGImage: Sendable, Equatable {
    public var bytes: [UInt8]
    /// Display width in CSS pixels (half the pixel width for 2x images).
    public var width: Int
    /// Display height in CSS pixels.
    public var height: Int

    public init(bytes: [UInt8], width: Int, height: Int) {
        self.bytes = bytes
        self.width = width
        self.height = height
    }
}

/// What a value looks like when displayed: always plain text, optionally HTML, Markdown and PNG.
public struct RichOutput: Sendable, Equatable {
    public var text: String
    public var html: String?
    public var markdown: String?
    public var png: PNGImage?

    public init(text: String, html: String? = nil, markdown: String? = nil, png: PNGImage? = nil) {
        self.text = text
        self.html = html
        self.markdown = markdown
        self.png = png
    }

    /// MIME type → payload (base64 for PNG), as Jupyter's `data` wants it.
    public var mimeData: [String: String] {
        var data = ["text/plain": text]
        if let html { data["text/html"] = html }
        if let markdown { data["text/markdown"] = markdown }
        if let png { data["image/png"] = Data(png.bytes).base64EncodedString() }
        return data
    }

    /// MIME type → metadata (the PNG's CSS size).
    public var mimeMetadata: [String: [String: Int]] {
        guard let png else { return [:] }
        return ["image/png": ["width": png.width, "height": png.height]]
    }
}
