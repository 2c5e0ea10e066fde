/// A grid of scores, one row per entry (a method) and one column per measure (a metric), each cell
/// shaded by its rank within its column — dark for the best, light for the worst, by the column's
/// own direction — with the value printed in it: which method wins on which metric at a glance.
public struct ScoreGridFigure: Figure {
    public let rows: [String]
    public let columns: [String]
    /// values[row][column]; non-finite values are drawn as "–" without shade.
    public let values: [[Double]]
    /// Per column: whether a higher value is better.
    public let higherIsBetter: [Bool]
    public let title: String?

    static let minimumCellWidth = 96.0, cellHeight = 26.0, rowHeaderPadding = 10.0, headerHeight = 34.0, margin = 8.0
    static let font = 11.0

    let rowHeaderWidth: Double
    /// Each column's width: its header's, at least `minimumCellWidth`.
    let columnWidths: [Double]
    public let width: Double
    public let height: Double

    /// - Throws: `FigureError.invalidArgument` when the values do not fill rows × columns.
    public init(rows: [String], columns: [String], values: [[Double]], higherIsBetter: [Bool], title: String? = nil) throws {
        guard !rows.isEmpty, !columns.isEmpty else { throw FigureError.invalidArgument(what: "score grid", reason: "no rows or no columns") }
        guard values.count == rows.count, values.allSatisfy({ $0.count == columns.count }), higherIsBetter.count == columns.count else {
            throw FigureError.invalidArgument(what: "score grid", reason: "values must be \(rows.count) rows of \(columns.count) values")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
        self.higherIsBetter = higherIsBetter
        self.title = title
        rowHeaderWidth = TextMeasure.maxWidth(rows, size: Self.font) + 2 * Self.rowHeaderPadding
        columnWidths = columns.map { max(Self.minimumCellWidth, (TextMeasure.width($0, size: Self.font) + 16).rounded(.up)) }
        width = max(2 * Self.margin + rowHeaderWidth + columnWidths.reduce(0, +),
                    title.map { TextMeasure.width($0, size: Style.titleFontSize) + 2 * Self.margin } ?? 0)
        height = 2 * Self.margin + (title == nil ? 0 : 22) + Self.headerHeight + Double(rows.count) * Self.cellHeight
    }

    /// The rank of each cell in its column, 0 for the best; ties share the better rank.
    public func ranks() -> [[Int]] {
        var ranks = values.map { $0.map { _ in 0 } }
        for c in columns.indices {
            for r in rows.indices {
                let v = values[r][c]
                ranks[r][c] = rows.indices.filter { other in
                    let w = values[other][c]
                    return w.isFinite && v.isFinite && (higherIsBetter[c] ? w > v : w < v)
                }.count
            }
        }
        return ranks
    }

    public func draw(into context: DrawingContext) throws {
        var top = Self.margin
        if let title {
            context.text(title, x: width / 2, y: top + 14, size: Style.titleFontSize, color: Style.textColor, align: .center)
            top += 22
        }
        let left = Self.margin + rowHeaderWidth
        let starts = columnWidths.indices.map { left + columnWidths[..<$0].reduce(0, +) }
        for (c, name) in columns.enumerated() {
            context.text(name, x: starts[c] + columnWidths[c] / 2, y: top + Self.headerHeight / 2 + 4, size: Self.font,
                         color: Style.textColor, align: .center, baseline: .middle)
        }
        top += Self.headerHeight
        let ranks = ranks()
        let best = RGB(0.13, 0.45, 0.27), worst = RGB(0.93, 0.96, 0.93)
        for (r, name) in rows.enumerated() {
            let y = top + Double(r) * Self.cellHeight
            context.text(name, x: left - Self.rowHeaderPadding, y: y + Self.cellHeight / 2, size: Self.font, color: Style.textColor,
                         align: .right, baseline: .middle)
            for c in columns.indices {
                let (x, cellWidth) = (starts[c], columnWidths[c])
                let value = values[r][c]
                let share = rows.count > 1 ? Double(ranks[r][c]) / Double(rows.count - 1) : 0
                let fill = value.isFinite ? RGB(best.red + (worst.red - best.red) * share, best.green + (worst.green - best.green) * share,
                                                best.blue + (worst.blue - best.blue) * share) : RGB(1, 1, 1)
                context.fillRect(x: x, y: y, width: cellWidth, height: Self.cellHeight, color: fill)
                context.strokeRect(x: x, y: y, width: cellWidth, height: Self.cellHeight, color: RGB(1, 1, 1), lineWidth: 1)
                let dark = value.isFinite && share < 0.5
                context.text(value.isFinite ? NumberFormat.significant(value, digits: 4) : "–", x: x + cellWidth / 2,
                             y: y + Self.cellHeight / 2, size: Self.font, color: dark ? RGB(1, 1, 1) : Style.textColor,
                             align: .center, baseline: .middle)
            }
        }
    }
}
