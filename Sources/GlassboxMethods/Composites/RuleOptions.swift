extension MethodOption {
    /// LRP-ε's stabiliser.
    static let epsilon = MethodOption("epsilon", .number(min: 0), default: .double(1e-6),
                                      doc: "LRP-ε's stabiliser ε: z + ε·sign(z) in the denominators")
    /// LRP-γ's boost.
    static let gamma = MethodOption("gamma", .number(min: 0), default: .double(0.25),
                                    doc: "LRP-γ's boost of the positive weights, W + γW⁺")
    /// LRP-αβ's α.
    static let alpha = MethodOption("alpha", .number(min: 1), default: .double(1),
                                    doc: "LRP-αβ's α; β = α − 1 (1 is z⁺, 2 is α2β1)")
    /// The z^B rule's bounds.
    static let low = MethodOption("low", .number(), default: .double(0), doc: "the smallest input value, for the z^B rule")
    static let high = MethodOption("high", .number(), default: .double(1), doc: "the largest input value, for the z^B rule")
}

extension RuleParameters {
    /// The parameters a method's options set; the ones it does not declare keep their defaults.
    public init(_ options: MethodOptions) {
        self.init()
        if let v = options.optionalDouble("epsilon") { epsilon = Float(v) }
        if let v = options.optionalDouble("gamma") { gamma = Float(v) }
        if let v = options.optionalDouble("alpha") { alpha = Float(v) }
        if let v = options.optionalDouble("low") { low = Float(v) }
        if let v = options.optionalDouble("high") { high = Float(v) }
    }

    /// Settings for titles: the parameters the method declares, with their values.
    func settings(_ declaration: MethodDeclaration) -> [MethodSetting] {
        var list: [MethodSetting] = []
        if declaration.option("epsilon") != nil { list.append(MethodSetting("ε", "\(epsilon)")) }
        if declaration.option("gamma") != nil { list.append(MethodSetting("γ", "\(gamma)")) }
        if declaration.option("alpha") != nil { list.append(MethodSetting("α", "\(alpha)")) }
        if declaration.option("low") != nil { list.append(MethodSetting("bounds", "\(low)…\(high)")) }
        return list
    }
}
