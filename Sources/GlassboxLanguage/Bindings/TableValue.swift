import GlassboxFigures

/// A table as a value of the language: shown as HTML in a notebook and as aligned text elsewhere.
///
/// `t.columns`, `t.rows` (Lists), `t.count` (rows), `t[i]` (row i as a List), `t["name"]` (a column as
/// a List); a column name is also a property: the single value of a one-row table, else the column.
public struct TableValue: ScriptObject {
    public let table: Table

    public init(_ table: Table) { self.table = table }

    /// Converts a language value into a table cell.
    static func cell(_ value: ScriptValue) -> TableCell {
        switch value {
        case .int(let v): return .integer(v)
        case .double(let v): return .number(v)
        case .string(let s): return .text(s)
        case .nil: return .empty
        case .bool(let b): return .text(b ? "true" : "false")
        default: return .text(value.repr)
        }
    }

    /// Converts a table cell into a language value (percentages are fractions).
    static func value(_ cell: TableCell) -> ScriptValue {
        switch cell {
        case .text(let s): return .string(s)
        case .number(let v), .percent(let v): return .double(v)
        case .integer(let v): return .int(v)
        case .empty: return .nil
        }
    }

    func column(_ index: Int) -> [ScriptValue] { table.rows.map { TableValue.value($0[index]) } }

    public var typeName: String { "Table" }
    public var propertyNames: [String] {
        ["columns", "rows", "count"] + table.columns.filter { TableValue.isIdentifier($0) && !["columns", "rows", "count"].contains($0) }
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.first, first.isLetter || first == "_" else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "columns": return .list(table.columns.map { .string($0) })
        case "rows": return .list(table.rows.map { .list($0.map(TableValue.value)) })
        case "count": return .int(table.rows.count)
        default:
            guard let index = table.columns.firstIndex(of: name) else { return nil }
            let values = column(index)
            return values.count == 1 ? values[0] : .list(values)
        }
    }

    public var elementCount: Int? { table.rows.count }

    public func element(at index: ScriptValue) throws -> ScriptValue? {
        switch index {
        case .int(let i):
            guard i >= 0, i < table.rows.count else {
                throw ScriptError(.index, "row \(i) is out of range for a Table of \(table.rows.count) rows"
                                  + (table.rows.isEmpty ? "" : "; valid rows are 0...\(table.rows.count - 1)"))
            }
            return .list(table.rows[i].map(TableValue.value))
        case .string(let name):
            guard let column = table.columns.firstIndex(of: name) else {
                throw ScriptError(.index, "the Table has no column \"\(name)\"; its columns are " + table.columns.map { "\"\($0)\"" }.joined(separator: ", "),
                                  suggestions: Suggestions.closest(to: name, among: table.columns))
            }
            return .list(self.column(column))
        default: return nil
        }
    }

    public var textDescription: String { table.plainText() }

    public func richOutput() throws -> RichOutput? {
        RichOutput(text: table.plainText(), html: table.html())
    }
}
