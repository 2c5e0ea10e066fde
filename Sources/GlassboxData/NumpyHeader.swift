/// The header of a `.npy` file: a Python dictionary literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
struct NumpyHeader: Equatable {
    /// The dtype string (`'<f4'`).
    var descr: String
    /// Whether the data are in column-major (Fortran) order.
    var fortranOrder: Bool
    var shape: [Int]

    /// The literal NumPy writes for this header (without padding).
    var literal: String {
        let dimensions = shape.map(String.init)
        let tuple = shape.count == 1 ? "(\(dimensions[0]),)" : "(" + dimensions.joined(separator: ", ") + ")"
        return "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(tuple), }"
    }

    /// Parses a header literal; `reason` messages say what is wrong.
    init(parsing text: String) throws(HeaderProblem) {
        var parser = PythonLiteralParser(text)
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.atEnd else { throw HeaderProblem("unexpected text after the header dictionary") }
        guard case .dictionary(let entries) = value else {
            throw HeaderProblem("the header is not a dictionary")
        }
        let keys = Set(entries.map(\.key))
        guard keys == ["descr", "fortran_order", "shape"], entries.count == 3 else {
            throw HeaderProblem("the header must have exactly the keys 'descr', 'fortran_order' and 'shape', it has "
                + entries.map { "'\($0.key)'" }.joined(separator: ", "))
        }
        let fields = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        switch fields["descr"]! {
        case .string(let descr): self.descr = descr
        case .list, .tuple: throw HeaderProblem("structured (record) dtypes are not supported")
        default: throw HeaderProblem("'descr' is not a dtype string")
        }
        guard case .boolean(let fortran) = fields["fortran_order"]! else {
            throw HeaderProblem("'fortran_order' is not True or False")
        }
        fortranOrder = fortran
        guard case .tuple(let dimensions) = fields["shape"]! else { throw HeaderProblem("'shape' is not a tuple") }
        shape = try dimensions.map { dimension throws(HeaderProblem) -> Int in
            guard case .integer(let size) = dimension, size >= 0 else {
                throw HeaderProblem("'shape' must hold non-negative integers")
            }
            return size
        }
    }

    init(descr: String, fortranOrder: Bool, shape: [Int]) {
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
    }
}

/// Why a header could not be parsed.
struct HeaderProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The few Python literals a `.npy` header uses.
enum PythonLiteral {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dictionary([(key: String, value: PythonLiteral)])
}

/// A recursive-descent parser for strings, integers (with Python 2's `L` suffix), True/False/None,
/// tuples, lists and string-keyed dictionaries.
struct PythonLiteralParser {
    private let characters: [Character]
    private var position = 0
    /// Open brackets around the current position; limited so that a hostile header cannot exhaust the stack.
    private var depth = 0

    init(_ text: String) { characters = Array(text) }

    var atEnd: Bool { position >= characters.count }

    mutating func skipWhitespace() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    mutating func parseValue() throws(HeaderProblem) -> PythonLiteral {
        skipWhitespace()
        guard position < characters.count else { throw HeaderProblem("the header ends too early") }
        switch characters[position] {
        case "'", "\"": return .string(try parseString())
        case "(", "[", "{":
            guard depth < 32 else { throw HeaderProblem("the header nests brackets more than 32 deep") }
            depth += 1
            defer { depth -= 1 }
            switch characters[position] {
            case "(": return .tuple(try parseSequence(closing: ")"))
            case "[": return .list(try parseSequence(closing: "]"))
            default: return try parseDictionary()
            }
        case "-", "0"..."9": return .integer(try parseInteger())
        default:
            for (word, value) in [("True", PythonLiteral.boolean(true)), ("False", .boolean(false)), ("None", .none)]
            where characters[position...].starts(with: word) {
                position += word.count
                return value
            }
            throw HeaderProblem("unexpected character '\(characters[position])' at position \(position)")
        }
    }

    private mutating func parseString() throws(HeaderProblem) -> String {
        let quote = characters[position]
        position += 1
        var text = ""
        while position < characters.count {
            let character = characters[position]
            position += 1
            if character == quote { return text }
            if character == "\\", position < characters.count {
                text.append(characters[position])
                position += 1
            } else {
                text.append(character)
            }
        }
        throw HeaderProblem("a string in the header is not closed")
    }

    private mutating func parseInteger() throws(HeaderProblem) -> Int {
        let start = position
        if characters[position] == "-" { position += 1 }
        while position < characters.count, characters[position].isASCII, characters[position].isNumber { position += 1 }
        guard let value = Int(String(characters[start..<position])) else {
            throw HeaderProblem("'\(String(characters[start..<position]))' is not an integer that fits in 64 bits")
        }
        // Python 2 wrote long integers as 10000L.
        if position < characters.count, characters[position] == "L" { position += 1 }
        return value
    }

    private mutating func parseSequence(closing: Character) throws(HeaderProblem) -> [PythonLiteral] {
        position += 1
        var items: [PythonLiteral] = []
        while true {
            skipWhitespace()
            guard position < characters.count else { throw HeaderProblem("a '\(closing)' is missing in the header") }
            if characters[position] == closing {
                position += 1
                return items
            }
            items.append(try parseValue())
            try expectSeparator(closing: closing)
        }
    }

    private mutating func parseDictionary() throws(HeaderProblem) -> PythonLiteral {
        position += 1
        var entries: [(key: String, value: PythonLiteral)] = []
        while true {
            skipWhitespace()
            guard position < characters.count else { throw HeaderProblem("a '}' is missing in the header") }
            if characters[position] == "}" {
                position += 1
                return .dictionary(entries)
            }
            guard case .string(let key) = try parseValue() else {
                throw HeaderProblem("a dictionary key in the header is not a string")
            }
            skipWhitespace()
            guard position < characters.count, characters[position] == ":" else {
                throw HeaderProblem("a ':' is missing after '\(key)' in the header")
            }
            position += 1
            entries.append((key, try parseValue()))
            try expectSeparator(closing: "}")
        }
    }

    /// After an item: a comma, or the closing bracket (left for the caller).
    private mutating func expectSeparator(closing: Character) throws(HeaderProblem) {
        skipWhitespace()
        guard position < characters.count else { throw HeaderProblem("a '\(closing)' is missing in the header") }
        if characters[position] == "," {
            position += 1
        } else if characters[position] != closing {
            throw HeaderProblem("expected ',' or '\(closing)' at position \(position), found '\(characters[position])'")
        }
    }
}
