import XCTest
@testable import GlassboxFigures

final class TableTests: XCTestCase {
    func testPlainTextAlignment() throws {
        let table = try Table(columns: ["method", "score", "n"],
                              rows: [["grad", .number(0.123456), 7], ["IG <x>", .number(12.5), 1234]])
        let lines = table.plainText().split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [
            "method   score     n",
            "------  ------  ----",
            "grad    0.1235     7",
            "IG <x>    12.5  1234",
        ])
    }

    func testHTMLEscapesAndAligns() throws {
        let table = try Table(columns: ["a<b", "acc"], rows: [["x & \"y\" <script>", .percent(0.99355)]], caption: "R&D")
        let html = table.html()
        XCTAssertTrue(html.contains("<th style=\"text-align:left;padding:2px 8px;border-bottom:1px solid #999\">a&lt;b</th>"), html)
        XCTAssertTrue(html.contains(">x &amp; &quot;y&quot; &lt;script&gt;</td>"), html)
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertTrue(html.contains("text-align:right;padding:2px 8px\">99.36%</td>"), html)
        XCTAssertTrue(html.contains(">R&amp;D</div>"), html)
        XCTAssertEqual(html.components(separatedBy: "<tr>").count - 1, 2)
        let bare = try Table(columns: ["a"], rows: [[1]]).html()
        XCTAssertTrue(bare.hasPrefix("<table"))
        XCTAssertTrue(bare.hasSuffix("</table>"))
    }

    /// A `<caption>` is as wide as its table, so a long caption over a narrow table wrapped at
    /// every hyphen ("cnn-max-" / "nb"): the caption must sit outside the table, in a block that
    /// shrinks to the wider of caption and table, and the table stays left-aligned under it.
    func testCaptionIsNotLimitedToTheTablesWidth() throws {
        let caption = "cnn-max-nb: 7 layers, 1,199,882 parameters, trained 15 epochs, test accuracy 99.31%"
        let table = try Table(columns: ["layer", "n"], rows: [["conv1", 1]], caption: caption)
        let html = table.html()
        XCTAssertFalse(html.contains("<caption"), html)
        let captionStart = try XCTUnwrap(html.range(of: ">" + caption + "</div>"))
        let tableStart = try XCTUnwrap(html.range(of: "<table"))
        XCTAssertLessThan(captionStart.lowerBound, tableStart.lowerBound, "the caption comes before the table, not inside it")
        XCTAssertTrue(html.hasPrefix("<div class=\"glassbox-table-block\" style=\"display:inline-block;max-width:100%\">"), html)
        XCTAssertTrue(html.hasSuffix("</table>\n</div>"), html)
        XCTAssertTrue(html.contains("margin-left:0;margin-right:auto"), "left-aligned under the caption")
        // the text form keeps the caption on a line of its own, unwrapped
        XCTAssertEqual(table.plainText().split(separator: "\n").first.map(String.init), caption)
    }

    func testNumericColumnDetectionAndFormatting() throws {
        let table = try Table(columns: ["mixed", "numbers"], rows: [[1, 2.5], ["n/a", .empty], [3, .number(1e-6)]])
        XCTAssertFalse(table.isNumericColumn(0))
        XCTAssertTrue(table.isNumericColumn(1))
        XCTAssertEqual(TableCell.number(1e-6).formatted(), "1.000e-06")
        XCTAssertEqual(TableCell.number(0.0080712).formatted(), "0.008071")
        XCTAssertEqual(TableCell.percent(0.5).formatted(percentDecimals: 1), "50.0%")
        XCTAssertEqual(TableCell.integer(-3).formatted(), "-3")
    }

    func testBadShapesThrow() {
        XCTAssertThrowsError(try Table(columns: ["a", "b"], rows: [["x", "y"], ["z"]])) { error in
            XCTAssertTrue(String(describing: error).contains("row 1"), "\(error)")
        }
        XCTAssertThrowsError(try Table(columns: [], rows: []))
        XCTAssertThrowsError(try Table(columns: ["a"], rows: [], significantDigits: 0))
    }
}

final class ProgressViewTests: XCTestCase {
    func testPlainTextBarTimesAndRate() {
        let state = ProgressState(task: "Training", completed: 120, total: 550, elapsed: 12,
                                  metrics: [ProgressMetric("loss", 0.234567), ProgressMetric("accuracy", 0.97123, style: .percent)])
        XCTAssertEqual(state.rate, 10)
        XCTAssertEqual(state.remaining!, 43, accuracy: 1e-9)
        XCTAssertEqual(ProgressView.plainText(state, barWidth: 10),
                       "Training [##........]  21% 120/550 [0:12<0:43, 10.00 it/s] loss=0.2346 accuracy=97.12%")
    }

    func testFinishedSummaryAndFullBar() {
        let state = ProgressState(task: "Training", completed: 550, total: 550, elapsed: 65, metrics: [ProgressMetric("loss", 0.00807)])
        XCTAssertTrue(state.isFinished)
        XCTAssertEqual(ProgressView.plainText(state, barWidth: 4), "Training [####] 100% 550/550 [1:05<0:00, 8.46 it/s] loss=0.00807")
        XCTAssertEqual(ProgressView.summary(state), "Training: 550/550 in 1:05 (8.46 it/s) loss=0.00807")
    }

    func testRatesAndUnknowns() {
        XCTAssertEqual(ProgressView.rateText(1234.4, unit: "it"), "1234 it/s")
        XCTAssertEqual(ProgressView.rateText(0.5, unit: "batch"), "2.00 s/batch")
        XCTAssertNil(ProgressView.rateText(nil, unit: "it"))
        let instant = ProgressState(task: "quick", completed: 3, total: 3, elapsed: 0)
        for text in [ProgressView.summary(instant), ProgressView.plainText(instant), ProgressView.html(instant)] {
            XCTAssertFalse(text.contains("? it/s"), text)
        }
        let start = ProgressState(task: "Eval", completed: 0, total: 10, elapsed: 0)
        XCTAssertEqual(ProgressView.plainText(start, barWidth: 5), "Eval [.....]   0% 0/10 [0:00<?]")
        let open = ProgressState(task: "Flip", completed: 7, total: nil, elapsed: 3725, unit: "image")
        XCTAssertEqual(ProgressView.plainText(open), "Flip 7 image [1:02:05, 532.14 s/image]")  // 3725 s / 7
        // More than total does not overflow the bar.
        let over = ProgressState(task: "T", completed: 15, total: 10, elapsed: 1)
        XCTAssertEqual(ProgressView.plainText(over, barWidth: 3), "T [###] 100% 15/10 [0:01<0:00, 15.00 it/s]")
    }

    func testHTML() {
        let state = ProgressState(task: "Train <MLP>", completed: 45, total: 100, elapsed: 9)
        let html = ProgressView.html(state)
        XCTAssertTrue(html.contains("Train &lt;MLP&gt;"), html)
        XCTAssertFalse(html.contains("<MLP>"))
        XCTAssertTrue(html.contains("width:45.0%"), html)
        XCTAssertTrue(html.contains("45/100 · elapsed 0:09 · left 0:11 · 5.00 it/s"), html)
        XCTAssertTrue(html.contains("#1f77b4"))
        let done = ProgressView.html(ProgressState(task: "x", completed: 100, total: 100, elapsed: 9))
        XCTAssertTrue(done.contains("width:100.0%"))
        XCTAssertTrue(done.contains("#2ca02c"))
        XCTAssertFalse(done.contains("left"))
    }

    func testStoppedBarIsRedWithItsLastCountAndNoTimeLeft() {
        let state = ProgressState(task: "train", completed: 37, total: 550, elapsed: 5, metrics: [ProgressMetric("loss", 0.5)],
                                  stop: .interrupted)
        XCTAssertNil(state.remaining)
        XCTAssertEqual(ProgressView.plainText(state, barWidth: 10), "✗ train [..........]   6% 37/550 [0:05, 7.40 it/s] loss=0.5 — interrupted")
        XCTAssertEqual(ProgressView.summary(state), "train: interrupted at 37/550 after 0:05 (7.40 it/s) loss=0.5")
        let html = ProgressView.html(state)
        XCTAssertTrue(html.contains("background:\(ProgressView.stoppedColor)"), html)
        XCTAssertFalse(html.contains(ProgressView.runningColor), html)
        XCTAssertTrue(html.contains("glassbox-progress-interrupted"))
        XCTAssertTrue(html.contains(">interrupted</span>"))
        XCTAssertTrue(html.contains("37/550 · elapsed 0:05 · 7.40 it/s"), html)
        XCTAssertFalse(html.contains("left"))
        let failed = ProgressState(task: "x", completed: 1, total: 2, elapsed: 1, stop: .failed)
        XCTAssertTrue(ProgressView.plainText(failed).hasSuffix("— stopped by an error"))
    }

    func testNestedTasksFoldIntoTheLine() {
        let outer = ProgressState(task: "train", completed: 2, total: 4, elapsed: 2)
        let inner = [ProgressState(task: "evaluate <x>", completed: 3, total: 20, elapsed: 1),
                     ProgressState(task: "flip", completed: 7, total: nil, elapsed: 1, unit: "image")]
        XCTAssertEqual(ProgressView.plainText(outer, nested: inner, barWidth: 4),
                       "train [##..]  50% 2/4 [0:02<0:02, 1.00 it/s] › evaluate <x> 3/20 › flip 7 image")
        let html = ProgressView.html(outer, nested: inner)
        XCTAssertTrue(html.contains("› evaluate &lt;x&gt; 3/20</span>"), html)
        XCTAssertEqual(html.components(separatedBy: "width:300px").count - 1, 1, "one bar only")
    }
}
