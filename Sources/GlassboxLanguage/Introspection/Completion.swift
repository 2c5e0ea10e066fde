/// One completion candidate.
public struct CompletionItem: Sendable, Equatable {
    public var text: String
    /// "variable", "function", "keyword", "property", "method" or "label".
    public var kind: String
    /// The signature for functions and methods, the type for variables.
    public var signature: String

    public init(text: String, kind: String, signature: String = "") {
        self.text = text
        self.kind = kind
        self.signature = signature
    }
}

/// Completion candidates and the scalar range of the text they replace.
public struct Completion: Sendable, Equatable {
    public var items: [CompletionItem]
    public var start: Int
    public var end: Int
    public var matches: [String] { items.map(\.text) }
}

extension LanguageSession {
    /// Candidates for the word around `cursor` (in Unicode scalars, anywhere in the cell):
    /// members after a dot, argument labels inside a call, then variables, builtins and keywords.
    public func complete(_ code: String, cursor: Int) -> Completion {
        let context = CursorContext(code: code, cursor: cursor)
        var items: [CompletionItem] = []
        func matches(_ name: String) -> Bool { name.hasPrefix(context.prefix) }
        if context.insideLiteral {
            return Completion(items: [], start: context.wordStart, end: context.wordEnd)
        }
        if let chain = context.receiver {
            if let receiver = resolve(chain) {
                for name in Members.propertyNames(of: receiver) where matches(name) {
                    let type = (try? Members.property(of: receiver, name, at: SourceRange(.start, .start)))?.typeName ?? ""
                    items.append(CompletionItem(text: name, kind: "property", signature: type))
                }
                for method in Members.methods(of: receiver) where matches(method.name) {
                    items.append(CompletionItem(text: method.name, kind: "method", signature: method.signature))
                }
            }
            return Completion(items: items, start: context.wordStart, end: context.wordEnd)
        }
        if let call = context.call, let function = function(at: call.callee) {
            for parameter in function.parameters {
                guard let label = parameter.label, !call.usedLabels.contains(label), matches(label) else { continue }
                items.append(CompletionItem(text: label + ":", kind: "label", signature: parameter.signature))
            }
        }
        for name in variableNames where matches(name) {
            if case .function(let f)? = value(of: name) {
                items.append(CompletionItem(text: name, kind: "function", signature: f.signature))
            } else {
                items.append(CompletionItem(text: name, kind: "variable", signature: value(of: name)?.typeName ?? ""))
            }
        }
        for builtin in registry.all where matches(builtin.name) && !variableNames.contains(builtin.name) {
            items.append(CompletionItem(text: builtin.name, kind: "function", signature: builtin.signature))
        }
        if !context.prefix.isEmpty {
            for keyword in Keyword.allCases where matches(keyword.rawValue) {
                items.append(CompletionItem(text: keyword.rawValue, kind: "keyword"))
            }
        }
        // An exact match alone is no completion; keep it only when others exist.
        return Completion(items: items, start: context.wordStart, end: context.wordEnd)
    }

    /// Help for the name under or just before `cursor`, or for the call the cursor is in; nil if none.
    public func inspect(_ code: String, cursor: Int) -> RichOutput? {
        let context = CursorContext(code: code, cursor: cursor)
        if !context.word.isEmpty && !context.insideLiteral {
            if let chain = context.receiver, let receiver = resolve(chain) {
                if let method = Members.methods(of: receiver).first(where: { $0.name == context.word }) {
                    return RichOutput(text: method.helpText, markdown: method.helpMarkdown)
                }
                if let property = try? Members.property(of: receiver, context.word, at: SourceRange(.start, .start)) {
                    let text = "\(receiver.typeName).\(context.word): \(property.typeName)\n\(property.repr.prefix(500))"
                    return RichOutput(text: text)
                }
            } else if context.receiver == nil {
                if let value = value(of: context.word) {
                    let text = context.word + " — " + CoreBuiltins.describe(value).text
                    return RichOutput(text: text)
                }
                if let builtin = registry[context.word] {
                    return RichOutput(text: builtin.helpText, markdown: builtin.helpMarkdown)
                }
            }
        }
        if let call = context.call, let function = function(at: call.callee) {
            return RichOutput(text: function.helpText, markdown: function.helpMarkdown)
        }
        return nil
    }
}
