/// The families of evaluation metrics (Quantus' grouping).
public enum MetricCategory: String, Sendable, CaseIterable {
    /// Does removing what the map calls relevant change the output as much as the map says?
    case faithfulness
    /// Does the map stay put when the input barely changes?
    case robustness
    /// Does the map change when the model's parameters or its training labels are destroyed?
    case randomisation
    /// Is the map concise?
    case complexity
    /// Does the map point at the object, where its box is known?
    case localisation

    /// The heading of the family in help and docs.
    public var title: String {
        switch self {
        case .faithfulness: return "Faithfulness"
        case .robustness: return "Robustness"
        case .randomisation: return "Randomisation"
        case .complexity: return "Complexity"
        case .localisation: return "Localisation"
        }
    }
}

/// Which way a metric's score improves.
public enum MetricDirection: String, Sendable, Equatable {
    case higherIsBetter
    case lowerIsBetter

    /// ↑ or ↓, for table headers.
    public var arrow: String { self == .higherIsBetter ? "↑" : "↓" }

    /// "higher is better" or "lower is better".
    public var phrase: String { self == .higherIsBetter ? "higher is better" : "lower is better" }

    /// Whether `a` is a better score than `b`.
    public func prefers(_ a: Double, over b: Double) -> Bool { self == .higherIsBetter ? a > b : a < b }
}

/// Everything a user, the help, the docs and the language need to know about a metric, in one
/// value (as `MethodDeclaration` is for a method): the metric's file declares it once, and its
/// builtin, help, completion, the `compareMethods` column and the section of docs/metrics.md are
/// made from it.
public struct MetricDeclaration: Sendable {
    /// The builtin's name and the name `compareMethods` knows it by, e.g. "maxSensitivity".
    public var id: String
    /// The display name, e.g. "Max-sensitivity".
    public var title: String
    public var category: MetricCategory
    /// The paper it comes from.
    public var citation: String
    /// One line: what it measures (the help's first line).
    public var summary: String
    /// The definition in LaTeX (docs/metrics.md shows it as a display formula).
    public var formula: String
    /// A paragraph: the procedure, the defaults and how they relate to Quantus / Captum / the chapters.
    public var details: String
    /// The score's direction with the default options (`ExplanationMetric.direction` may depend on
    /// an option, e.g. the removal order).
    public var direction: MetricDirection
    /// The metric's own options (model, images, method, target, output and batchSize are the
    /// language's, declared once).
    public var options: [MethodOption]
    /// The tutorial chapters it belongs to, e.g. ["5.2"].
    public var chapters: [String]
    /// An example cell for the help.
    public var example: String

    public init(id: String, title: String, category: MetricCategory, citation: String, summary: String, formula: String,
                details: String, direction: MetricDirection, options: [MethodOption] = [], chapters: [String] = [],
                example: String) {
        self.id = id
        self.title = title
        self.category = category
        self.citation = citation
        self.summary = summary
        self.formula = formula
        self.details = details
        self.direction = direction
        self.options = options
        self.chapters = chapters
        self.example = example
    }

    /// The option named `name`.
    public func option(_ name: String) -> MethodOption? { options.first { $0.name == name } }
}
