import GlassboxFigures

/// `table(…)`: a table value from column names and rows.
enum TableBuiltin {
    static var all: [Builtin] { [table] }

    static let table = Builtin(
        name: "table",
        parameters: [
            BuiltinParameter(nil, name: "columns", type: "List", doc: "the column names (Strings)"),
            BuiltinParameter("rows", type: "List", default: .list([]), doc: "the rows, each a List with one value per column (numbers, Strings, Bools or nil)"),
            BuiltinParameter("caption", type: "String", default: .nil, doc: "a caption above the table"),
            BuiltinParameter("digits", type: "Int", default: .int(4), doc: "significant digits of Doubles"),
        ],
        returns: "Table",
        summary: "A table, shown as HTML in a notebook and as aligned text elsewhere.",
        details: "Numeric columns are right-aligned. t.rows, t.columns, t[i] (a row) and t[\"name\"] (a column) read it back.",
        example: "table([\"a\", \"b\"], rows: [[1, 2], [3, 4.5]])"
    ) { args, _ in
        let columns = try args.strings("columns")
        guard !columns.isEmpty else { throw args.error(.value, "columns", "must name at least one column") }
        guard case .list(let rowValues) = args.value("rows") else {
            throw args.error(.type, "rows", "must be a List of rows (Lists), got \(args.value("rows").typeName)")
        }
        let rows: [[TableCell]] = try rowValues.enumerated().map { index, row in
            guard case .list(let cells) = row else {
                throw args.error(.type, "rows", "must hold Lists; row \(index) is a \(row.typeName)")
            }
            guard cells.count == columns.count else {
                throw args.error(.value, "rows", "row \(index) has \(cells.count) values but there are \(columns.count) columns")
            }
            return cells.map(TableValue.cell)
        }
        let digits = try args.int("digits")
        guard (1...17).contains(digits) else { throw args.error(.value, "digits", "must be between 1 and 17, got \(digits)") }
        let caption = try args.optionalString("caption")
        return .object(TableValue(try BindingErrors.translating("table") {
            try Table(columns: columns, rows: rows, significantDigits: digits, caption: caption)
        }))
    }
}
