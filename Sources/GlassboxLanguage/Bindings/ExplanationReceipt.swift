import Foundation
import GlassboxFigures
import GlassboxMethods

/// The receipt of an explanation (Σ map — for CAM, mean(CAM) — against what its method promises it equals: f(x) for
/// conservation, f(x) − f(b) for completeness, f(x) − f(x⁰) for summation to delta), as a table
/// (`e.receipt`), as one line of text and as HTML under the figure.
///
/// JupyterLab shows only the richest part of a display: with `text/html` beside `image/png` it shows
/// the HTML, so the HTML carries the figure itself (a data URL) with the receipt under it;
/// `text/plain` keeps the receipt line for the console, and `image/png` stays for nbconvert's PDF.
extension ExplanationValue {
    /// One row per image: the sum of its map against what the method's receipt says it equals.
    func receiptTable() -> Table? {
        guard let receipt = explanation.receipt else { return nil }
        let sums = explanation.receiptValues, expected = explanation.expectedSums, measured = receipt.measuredSymbol
        var columns = ["image", "target", measured, "f(x) = \(outputSymbol)"]
        if explanation.baselineOutputs != nil { columns += ["f(reference)", receipt.expectedSymbol] }
        // "Σ map − (f(x) − f(x⁰))": the expected value in parentheses when it is a difference.
        let difference = receipt.expectedSymbol.contains(" − ") ? "(\(receipt.expectedSymbol))" : receipt.expectedSymbol
        columns += ["\(measured) − \(difference)"]
        let rows: [[TableCell]] = (0..<explanation.count).map { i in
            var row: [TableCell] = [.integer(i), .integer(explanation.targets[i]), .number(Double(sums[i])),
                                    .number(Double(explanation.outputs[i]))]
            if let baseline = explanation.baselineOutputs { row += [.number(Double(baseline[i])), .number(Double(expected[i]))] }
            return row + [.number(Double(sums[i] - expected[i]))]
        }
        return try? Table(columns: columns, rows: rows, caption: "\(explanation.method): \(receipt.title), \(measured) = \(receipt.expectedSymbol)")
    }

    /// What f is: the explained output's symbol, or a layer channel's sum.
    private var outputSymbol: String { explanation.targetLayer == nil ? explanation.output.symbol : "channel sum" }

    /// The largest gap as a percentage with two significant digits, e.g. "2.1".
    private var receiptPercent: String? {
        explanation.receiptError.map { NumberFormat.significant(Double($0) * 100, digits: 2) }
    }

    private var gapScope: String {
        "largest gap over \(explanation.count) image\(explanation.count == 1 ? "" : "s")"
    }

    /// The receipt in one line, e.g. "conservation: Σ map = f(x) within 2.1 % (largest gap over 10 images, …)".
    var receiptLine: String? {
        guard let receipt = explanation.receipt, let percent = receiptPercent else { return nil }
        return "\(receipt.title): \(receipt.measuredSymbol) = \(receipt.expectedSymbol) within \(percent) % "
            + "(\(gapScope), relative to the largest |\(receipt.expectedSymbol)|); e.receipt has the table"
    }

    /// The receipt as HTML: the line, then the table per image (open for up to 10 images).
    var receiptHTML: String? {
        guard let receipt = explanation.receipt, let percent = receiptPercent, let table = receiptTable() else { return nil }
        let title = receipt.title.prefix(1).uppercased() + receipt.title.dropFirst()
        let expected = HTMLText.escape(receipt.expectedSymbol)
        return "<div class=\"glassbox-receipt\" style=\"font-family:DejaVu Sans,sans-serif;font-size:13px;margin:4px 0\">"
            + "<b>\(HTMLText.escape(title))</b>: \(HTMLText.escape(receipt.measuredSymbol)) = \(expected) within <b>\(percent) %</b> "
            + "(\(gapScope), relative to the largest |\(expected)|; f(x) = \(HTMLText.escape(outputSymbol)))\n"
            + "<details\(explanation.count <= 10 ? " open" : "")><summary>\(HTMLText.escape(receipt.measuredSymbol)) and \(expected) per image "
            + "(<code>e.receipt</code>)</summary>\n" + table.html() + "\n</details></div>"
    }

    /// The display of `figure` (these maps drawn): the PNG with the text description and, when the
    /// method promises a receipt, HTML showing the figure with the receipt under it.
    func output(_ figure: any Figure, function: String) throws -> RichOutput {
        var output = try ImageGridRendering.output(figure, text: textDescription, function: function)
        if let receipt = receiptHTML, let png = output.png {
            output.html = "<div class=\"glassbox-explanation\">"
                + "<img src=\"data:image/png;base64,\(Data(png.bytes).base64EncodedString())\" width=\"\(png.width)\" "
                + "alt=\"\(HTMLText.escape(explanation.title))\" style=\"max-width:100%;height:auto\"/>\n"
                + receipt + "</div>"
        }
        return output
    }
}
