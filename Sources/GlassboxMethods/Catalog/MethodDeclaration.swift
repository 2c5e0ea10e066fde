/// How an explanation is drawn by default, following the reference chapter of its method. The
/// figures module draws it; this is only the choice.
public struct MapDisplay: Sendable, Equatable {
    /// The colour map of the heat map.
    public enum Colors: String, Sendable {
        /// Blue–white–red, for signed maps.
        case bwr
        /// Black–red–yellow–white, for squared maps.
        case hot
        /// White–yellow–red–black (the reference's 'hot_r', deep Taylor).
        case hotReversed = "hot_r"
        /// Gray levels.
        case gray
        /// matplotlib's default (CAM overlays).
        case viridis
    }

    /// How the colour limits are chosen.
    public enum Limits: Sendable, Equatable {
        /// The map's [min, max].
        case automatic
        /// Symmetric around 0 when the map has both signs (the reference's `pixel_range`), else [min, max].
        case symmetricIfMixed
        /// Always (−M, M), M the largest |value|: 0 is white in bwr whatever the signs (chapter 2.3's α1β0).
        case symmetric
    }

    public var colors: Colors
    /// Draw the map over the (gray) input at `alpha`, or alone.
    public var overInput: Bool
    public var alpha: Double
    public var limits: Limits

    public init(_ colors: Colors, overInput: Bool = false, alpha: Double = 0.5, limits: Limits = .automatic) {
        self.colors = colors
        self.overInput = overInput
        self.alpha = alpha
        self.limits = limits
    }

    /// Signed maps alone: bwr, symmetric when mixed.
    public static let signed = MapDisplay(.bwr, limits: .symmetricIfMixed)
    /// Signed maps over the digit (gradient × input, chapter 2.2).
    public static let signedOverInput = MapDisplay(.bwr, overInput: true, limits: .symmetricIfMixed)
    /// Squared maps over the digit (sensitivity, chapter 2.1).
    public static let squaredOverInput = MapDisplay(.hot, overInput: true)
    /// Relevance that may have both signs, alone: bwr with 0 always white (LRP, DeepLIFT).
    public static let relevanceSigned = MapDisplay(.bwr, limits: .symmetric)
    /// Gray maps alone (saliency 3.2, deconvnet 3.1, guided backprop 3.3, integrated gradients 3.4).
    public static let gray = MapDisplay(.gray)
    /// Non-negative relevance alone, white for 0 (deep Taylor, chapter 2.4).
    public static let relevance = MapDisplay(.hotReversed)
}

/// Everything a user, the help, the docs and the language need to know about a method, in one
/// value: the method's file declares it once, and the builtin, its help and completion, the docs
/// index and the docs figure are made from it.
public struct MethodDeclaration: Sendable {
    /// The builtin's name, e.g. "integratedGradients".
    public var id: String
    /// The display name, e.g. "Integrated gradients".
    public var title: String
    /// Where the method comes from, e.g. "Sundararajan, Taly & Yan (2017), Axiomatic attribution for
    /// deep networks, ICML".
    public var citation: String
    /// One line: what it computes (the help's first line).
    public var summary: String
    /// A paragraph: how to use it, what the reference chapters do with it.
    public var details: String
    /// The chapters of the tutorial series that use it, e.g. ["3.4", "3.5"].
    public var chapters: [String]
    /// The method's own options (the common ones — model, images, target, output, layer,
    /// batchSize — are declared once, by the language).
    public var options: [MethodOption]
    /// How its maps are drawn by default.
    public var display: MapDisplay
    /// Whether `layer:` (explaining a channel of a layer instead of a class) is supported.
    public var acceptsLayerTargets: Bool
    /// Whether the method is a modified gradient (a backward pass seeded with ∂f/∂S whose input
    /// signal is the attribution itself): integrated gradients can integrate it along a path.
    public var isModifiedGradient: Bool
    /// The explained outputs it supports (nil: all of `ExplainedOutput`).
    public var outputs: [ExplainedOutput]?
    /// The explained output when none is asked for: the logit for most methods, the softmax
    /// probability for those whose paper optimises it (meaningful perturbation).
    public var defaultOutput: ExplainedOutput
    /// An example cell for the help.
    public var example: String
    /// The docs page under docs/methods/, e.g. "integrated-gradients.md".
    public var page: String
    /// The call drawn for the docs figure, with `net` the bundled CNN-MAX-B and `xs` image 5 of
    /// each digit, e.g. `integratedGradients(net, xs, target: "label")`.
    public var figure: String

    public init(id: String, title: String, citation: String, summary: String, details: String = "",
                chapters: [String] = [], options: [MethodOption] = [], display: MapDisplay,
                acceptsLayerTargets: Bool = true, isModifiedGradient: Bool = false, outputs: [ExplainedOutput]? = nil,
                defaultOutput: ExplainedOutput = .logit, example: String, page: String, figure: String) {
        self.id = id
        self.title = title
        self.citation = citation
        self.summary = summary
        self.details = details
        self.chapters = chapters
        self.options = options
        self.display = display
        self.acceptsLayerTargets = acceptsLayerTargets
        self.isModifiedGradient = isModifiedGradient
        self.outputs = outputs
        self.defaultOutput = defaultOutput
        self.example = example
        self.page = page
        self.figure = figure
    }

    /// The option named `name`.
    public func option(_ name: String) -> MethodOption? { options.first { $0.name == name } }

    /// The docs figure's file name under docs/methods/figures/ (the page's stem, `.png`).
    public var figureFile: String {
        (page.hasSuffix(".md") ? String(page.dropLast(3)) : page) + ".png"
    }
}
