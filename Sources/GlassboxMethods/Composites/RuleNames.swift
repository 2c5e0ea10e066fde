import GlassboxModels

/// Rules by the names users write in `rules: ["dense": "epsilon", "conv": "zPlus", "input": "zB"]`,
/// with optional numbers in parentheses: "epsilon(0.1)", "gamma(0.5)", "alphaBeta(2)" (β = α − 1)
/// or "alphaBeta(2, 1)", "zB(-1, 1)". Without numbers a rule takes the method's options
/// (epsilon:, gamma:, alpha:, low:, high:). Rule names are matched ignoring case ("zplus" is
/// "zPlus"): no two rules differ only in case.
public enum RuleNames {
    /// The rule names, in the order of the help.
    public static let names = ["epsilon", "zPlus", "alphaBeta", "gamma", "wSquare", "flat", "zB", "proportional",
                               "winnerTakesAll", "pass", "gradient"]

    /// The rule name spelled `written` in any case ("ZPLUS" → "zPlus"), or nil when there is none.
    public static func canonicalName(_ written: String) -> String? {
        let folded = written.lowercased()
        return names.first { $0.lowercased() == folded }
    }

    /// Layer selectors besides layer names: "input" (the layer touching the input), the layer kinds,
    /// and the groups "conv" (conv2d), "pool" (max and average pooling) and "activation".
    public static var selectors: [String] { ["input", "conv", "pool", "activation"] + LayerKind.allCases.map(\.rawValue) }

    /// The kinds a selector stands for (nil for "input" and for layer names).
    static func kinds(_ selector: String) -> [LayerKind]? {
        switch selector {
        case "conv": return [.conv2d]
        case "pool": return [.maxpool, .avgpool]
        case "activation": return [.relu, .sigmoid, .tanh]
        default: return LayerKind(rawValue: selector).map { [$0] }
        }
    }

    /// The rule written `spec`; throws a message naming what is wrong, with candidates.
    public static func rule(_ spec: String, parameters: RuleParameters, method: String) throws -> any BackwardRule {
        let trimmed = trimmedSpaces(spec)
        var name = trimmed
        var numbers: [Float] = []
        if let open = trimmed.firstIndex(of: "(") {
            guard trimmed.hasSuffix(")") else {
                throw MethodError.option(method: method, option: "rules", message: "has the rule \"\(spec)\" with an unclosed '('",
                                         given: nil, candidates: [])
            }
            name = trimmedSpaces(trimmed[..<open])
            let inner = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
            numbers = try inner.split(separator: ",").map { part in
                guard let value = Float(trimmedSpaces(part)), value.isFinite else {
                    throw MethodError.option(method: method, option: "rules",
                                             message: "has the rule \"\(spec)\", whose '\(part)' is not a number",
                                             given: nil, candidates: [])
                }
                return value
            }
        }
        func arguments(_ allowed: ClosedRange<Int>) throws {
            guard allowed.contains(numbers.count) else {
                throw MethodError.option(method: method, option: "rules",
                                         message: "has the rule \"\(spec)\": \(name) takes \(allowed.lowerBound == allowed.upperBound ? "\(allowed.lowerBound)" : "\(allowed.lowerBound) to \(allowed.upperBound)") number\(allowed.upperBound == 1 ? "" : "s")",
                                         given: nil, candidates: [])
            }
        }
        let p = parameters
        let written = name
        name = canonicalName(written) ?? written
        switch name {
        case "epsilon":
            try arguments(0...1)
            let epsilon = numbers.first ?? p.epsilon
            guard epsilon >= 0 else { throw negative(spec, method) }
            return LRPEpsilonRule(epsilon: epsilon)
        case "zPlus":
            try arguments(0...0)
            return LRPAlphaBetaRule(alpha: 1, beta: 0, stabilizer: p.stabilizer)
        case "alphaBeta":
            try arguments(0...2)
            let alpha = numbers.first ?? p.alpha
            let beta = numbers.count == 2 ? numbers[1] : alpha - 1
            guard alpha - beta == 1, beta >= 0 else {
                throw MethodError.option(method: method, option: "rules",
                                         message: "has the rule \"\(spec)\": αβ needs α − β = 1 and β ≥ 0 (got α \(alpha), β \(beta))",
                                         given: nil, candidates: [])
            }
            return LRPAlphaBetaRule(alpha: alpha, beta: beta, stabilizer: p.stabilizer)
        case "gamma":
            try arguments(0...1)
            let gamma = numbers.first ?? p.gamma
            guard gamma >= 0 else { throw negative(spec, method) }
            return LRPGammaRule(gamma: gamma)
        case "wSquare":
            try arguments(0...0)
            return LRPWSquareRule(stabilizer: p.stabilizer)
        case "flat":
            try arguments(0...0)
            return LRPFlatRule(stabilizer: p.stabilizer)
        case "zB":
            guard numbers.isEmpty || numbers.count == 2 else {
                throw MethodError.option(method: method, option: "rules",
                                         message: "has the rule \"\(spec)\": zB takes no numbers or two (low, high)", given: nil, candidates: [])
            }
            let low = numbers.first ?? p.low, high = numbers.count == 2 ? numbers[1] : p.high
            guard low < high else {
                throw MethodError.option(method: method, option: "rules", message: "has the rule \"\(spec)\": z^B needs low < high",
                                         given: nil, candidates: [])
            }
            return LRPBoundedRule(low: low, high: high, stabilizer: p.stabilizer)
        case "proportional":
            try arguments(0...0)
            return ProportionalPoolingRule(stabilizer: p.stabilizer)
        case "winnerTakesAll", "gradient":
            try arguments(0...0)
            return GradientRule()
        case "pass":
            try arguments(0...0)
            return PassThroughRule()
        default:
            throw MethodError.option(method: method, option: "rules",
                                     message: "has the unknown rule \"\(written)\"; the rules are " + names.joined(separator: ", "),
                                     given: written, candidates: names)
        }
    }

    private static func trimmedSpaces<S: StringProtocol>(_ text: S) -> String {
        String(text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    private static func negative(_ spec: String, _ method: String) -> MethodError {
        .option(method: method, option: "rules", message: "has the rule \"\(spec)\" with a negative parameter", given: nil, candidates: [])
    }

    /// `base` with every entry of `rules` applied: a layer name sets that layer's rule, "input" the
    /// input layer's, a kind (or group) the rule of every layer of that kind. Unknown selectors and
    /// rules are errors naming them, with the closest candidates.
    public static func applying(_ rules: [OptionEntry], to base: RuleSet, layers: [any Layer], parameters: RuleParameters,
                                method: String) throws -> RuleSet {
        var set = base
        let layerNames = layers.map(\.name)
        for entry in rules {
            guard case .string(let spec) = entry.value else {
                throw MethodError.option(method: method, option: "rules",
                                         message: "maps \"\(entry.key)\" to \(entry.value.described); give a rule name such as \"epsilon\"",
                                         given: nil, candidates: [])
            }
            let rule = try rule(spec, parameters: parameters, method: method)
            if layerNames.contains(entry.key) {
                set.rulesByLayerName[entry.key] = rule
            } else if entry.key == "input" {
                set.inputLayerRule = rule
            } else if let kinds = kinds(entry.key) {
                for kind in kinds { set.rulesByKind[kind] = rule }
            } else {
                throw MethodError.option(method: method, option: "rules",
                                         message: "names \"\(entry.key)\", which is neither a layer of the model (\(layerNames.joined(separator: ", "))) nor one of "
                                            + selectors.joined(separator: ", "),
                                         given: entry.key, candidates: layerNames + selectors)
            }
        }
        if !rules.isEmpty { set.name += " with " + rules.map { "\($0.key): \($0.value.literal)" }.joined(separator: ", ") }
        return set
    }
}
