/// One cell of a `Table`.
public enum TableCell: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    case text(String)
    /// A number shown with the table's significant digits.
    case number(Double)
    case integer(Int)
    /// A fraction shown as a percentage (0.9935 → "99.35%").
    case percent(Double)
    case empty

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }

    /// Whether the cell is right-aligned as a number.
    public var isNumeric: Bool {
        switch self {
        case .number, .integer, .percent: return true
        case .text, .empty: return false
        }
    }

    /// The cell as display text.
    public func formatted(significantDigits: Int = 4, percentDecimals: Int = 2) -> String {
        switch self {
        case let .text(s): return s
        case let .number(v): return NumberFormat.significant(v, digits: significantDigits)
        case let .integer(v): return String(v)
        case let .percent(v): return NumberFormat.percent(v, decimals: percentDecimals)
        case .empty: return ""
        }
    }
}

/// A table of strings and numbers, rendered as HTML (`text/html`) and as aligned plain text
/// (`text/plain`). Numeric columns are right-aligned, text columns left-aligned.
public struct Table: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[TableCell]]
    public var significantDigits: Int
    public var percentDecimals: Int
    /// An optional caption above the table.
    public var caption: String?

    /// - Throws: `FigureError.invalidArgument` naming the first row whose length differs from the
    ///   number of columns.
    public init(columns: [String], rows: [[TableCell]], significantDigits: Int = 4, percentDecimals: Int = 2,
                caption: String? = nil) throws {
        guard !columns.isEmpty else {
            throw FigureError.invalidArgument(what: "Table", reason: "needs at least one column")
        }
        if let bad = rows.firstIndex(where: { $0.count != columns.count }) {
            throw FigureError.invalidArgument(what: "Table row \(bad)",
                                              reason: "has \(rows[bad].count) cells but there are \(columns.count) columns")
        }
        guard (1...17).contains(significantDigits) else {
            throw FigureError.invalidArgument(what: "Table", reason: "significant digits \(significantDigits) must be 1…17")
        }
        self.columns = columns
        self.rows = rows
        self.significantDigits = significantDigits
        self.percentDecimals = max(0, percentDecimals)
        self.caption = caption
    }

    /// Whether column `index` is numeric: every non-empty cell is a number (and there is at least one).
    public func isNumericColumn(_ index: Int) -> Bool {
        var sawNumber = false
        for row in rows {
            switch row[index] {
            case .empty: continue
            case let cell where cell.isNumeric: sawNumber = true
            default: return false
            }
        }
        return sawNumber
    }

    private func text(_ cell: TableCell) -> String {
        cell.formatted(significantDigits: significantDigits, percentDecimals: percentDecimals)
    }

    /// An HTML `<table>` with a header row; all text is escaped.
    ///
    /// A caption is not a `<caption>` element: browsers give that the table's width, so a caption
    /// longer than a narrow table wraps at every hyphen ("cnn-max-" / "nb"). It is a line above the
    /// table instead, in a block as wide as the wider of the two (at most the output's width), and
    /// the table is left-aligned under it.
    public func html() -> String {
        let numeric = columns.indices.map(isNumericColumn)
        func align(_ i: Int) -> String { numeric[i] ? "right" : "left" }
        var out = ""
        if let caption {
            out += "<div class=\"glassbox-table-block\" style=\"display:inline-block;max-width:100%\">\n"
                + "<div class=\"glassbox-table-caption\" style=\"text-align:left;font-weight:bold;margin:0 0 4px 0\">"
                + HTMLText.escape(caption) + "</div>\n"
        }
        out += "<table class=\"glassbox-table\" style=\"border-collapse:collapse;font-variant-numeric:tabular-nums"
            + (caption == nil ? "" : ";margin-left:0;margin-right:auto") + "\">\n"
        out += "<thead><tr>"
        for (i, name) in columns.enumerated() {
            out += "<th style=\"text-align:\(align(i));padding:2px 8px;border-bottom:1px solid #999\">\(HTMLText.escape(name))</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>"
            for (i, cell) in row.enumerated() {
                out += "<td style=\"text-align:\(align(i));padding:2px 8px\">\(HTMLText.escape(text(cell)))</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>"
        if caption != nil { out += "\n</div>" }
        return out
    }

    /// Aligned plain text: header, a rule of dashes, then rows; columns separated by two spaces,
    /// numbers right-aligned, no trailing spaces.
    public func plainText() -> String {
        let numeric = columns.indices.map(isNumericColumn)
        let body = rows.map { $0.map(text) }
        let widths = columns.indices.map { i in
            max(columns[i].count, body.map { $0[i].count }.max() ?? 0)
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { i, s in
                let pad = String(repeating: " ", count: widths[i] - s.count)
                return numeric[i] ? pad + s : s + pad
            }
            var joined = padded.joined(separator: "  ")
            while joined.hasSuffix(" ") { joined.removeLast() }
            return joined
        }
        var lines: [String] = []
        if let caption { lines.append(caption) }
        lines.append(line(columns))
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        lines += body.map(line)
        return lines.joined(separator: "\n")
    }
}
