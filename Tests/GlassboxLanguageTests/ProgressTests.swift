import Foundation
import GlassboxEngine
import GlassboxFigures
import XCTest
@testable import GlassboxLanguage

/// The cell's progress display: the delay, nested tasks folded into one bar, and stopped bars.
final class ProgressTests: XCTestCase {
    private func texts(_ host: RecordingHost) -> [String] { (host.displays.map(\.0) + host.updates.map(\.0)).map(\.text) }

    /// A recording host, a manual clock at 0, and a reporter on display "cell" with one source.
    private func fixture(delay: Double = 1) -> (RecordingHost, ManualClock, ProgressReporter, ProgressReporter.Source) {
        let host = RecordingHost()
        let clock = ManualClock()
        let reporter = ProgressReporter(host: host, displayID: "cell", delay: delay, clock: { clock.now })
        return (host, clock, reporter, reporter.makeSource())
    }

    func testNestedTasksFoldIntoTheOuterBar() {
        let (host, clock, reporter, outer) = fixture()
        clock.now = 0.5
        reporter.report(ProgressEvent(task: "train", completed: 1, total: 4), from: outer)
        XCTAssertTrue(host.displays.isEmpty, "not before the delay")
        clock.now = 1.1
        let inner = reporter.makeSource()
        clock.now = 1.2
        reporter.report(ProgressEvent(task: "evaluate", completed: 1, total: 10), from: inner)
        // the outer task has lasted the delay and is drawn; the inner one is too young to be named
        XCTAssertEqual(host.displays.count, 1)
        XCTAssertTrue(host.displays[0].0.text.hasPrefix("train ["), host.displays[0].0.text)
        XCTAssertFalse(host.displays[0].0.text.contains("evaluate"))
        clock.now = 2.5
        reporter.report(ProgressEvent(task: "evaluate", completed: 5, total: 10), from: inner)
        let folded = try? XCTUnwrap(host.updates.last?.0)
        XCTAssertTrue(folded?.text.hasPrefix("train [") ?? false)
        XCTAssertTrue(folded?.text.hasSuffix("› evaluate 5/10") ?? false, folded?.text ?? "")
        XCTAssertTrue(folded?.html?.contains("› evaluate 5/10") ?? false)
        clock.now = 2.6
        reporter.report(ProgressEvent(task: "evaluate", completed: 10, total: 10, finished: true), from: inner)
        reporter.end(inner, outcome: .completed)
        XCTAssertFalse(host.updates.last?.0.text.contains("evaluate") ?? true, "the finished inner task leaves the line")
        clock.now = 4
        reporter.report(ProgressEvent(task: "train", completed: 4, total: 4, finished: true), from: outer)
        reporter.end(outer, outcome: .completed)
        XCTAssertEqual(host.displays.count, 1, "one display for the cell")
        XCTAssertTrue((host.displays.map(\.1) + host.updates.map(\.1)).allSatisfy { $0 == "cell" })
        XCTAssertEqual(host.updates.last?.0.text, "✓ train: 4/4 in 0:04 (1.00 it/s)")
        XCTAssertFalse(texts(host).contains { $0.contains("✓ evaluate") }, "a nested task leaves no summary of its own")
        XCTAssertFalse(texts(host).contains { $0.contains("? it/s") })
    }

    func testSeveralCallsInACellShareOneDisplayAndQuickOnesLeaveTheSummary() {
        let (host, clock, reporter, first) = fixture()
        clock.now = 2
        reporter.report(ProgressEvent(task: "smoothGrad", completed: 50, total: 50, finished: true), from: first)
        reporter.end(first, outcome: .completed)
        XCTAssertEqual(host.displays.map(\.0.text), ["✓ smoothGrad: 50/50 in 0:02 (25.00 it/s)"])
        // a quick call afterwards does not replace that summary
        let quick = reporter.makeSource()
        clock.now = 2.3
        reporter.report(ProgressEvent(task: "evaluate", completed: 2, total: 2, finished: true), from: quick)
        reporter.end(quick, outcome: .completed)
        XCTAssertTrue(host.updates.isEmpty)
        // a long one takes over the same display
        let long = reporter.makeSource()
        clock.now = 4
        reporter.report(ProgressEvent(task: "integratedGradients", completed: 3, total: 6), from: long)
        XCTAssertEqual(host.displays.count, 1)
        XCTAssertEqual(host.updates.map(\.1), ["cell"])
        XCTAssertTrue(host.updates[0].0.text.hasPrefix("integratedGradients ["))
    }

    func testSequentialTasksOfOneSourceEachStartTheirOwnClock() {
        let (host, clock, reporter, source) = fixture(delay: 0)
        clock.now = 10
        reporter.report(ProgressEvent(task: "epoch 1/2", completed: 10, total: 10, finished: true), from: source)
        clock.now = 12
        reporter.report(ProgressEvent(task: "epoch 2/2", completed: 4, total: 10), from: source)
        // 4 batches in the 2 s since epoch 1 ended, not in the 12 s since training started
        XCTAssertTrue(host.updates.last?.0.text.contains("4/10 [0:02<0:03, 2.00 it/s]") ?? false, host.updates.last?.0.text ?? "")
    }

    func testAnInterruptedBarIsRedWithTheLastReportedCount() {
        let (host, clock, reporter, source) = fixture()
        for batch in 1...37 {
            clock.now = 1 + Double(batch) * 0.03  // throttled: drawn at 1, 8, 15, …, 36, not at 37
            reporter.report(ProgressEvent(task: "train", completed: batch, total: 550, metrics: [.init("loss", 0.5)]), from: source)
        }
        XCTAssertFalse(host.updates.last?.0.text.contains("37/550") ?? false, "the throttled bar lags behind")
        reporter.end(source, outcome: .interrupted)
        let last = try? XCTUnwrap(host.updates.last?.0)
        XCTAssertEqual(last?.text, "✗ train [##............................]   6% 37/550 [0:02, 17.54 it/s] loss=0.5 — interrupted")
        XCTAssertTrue(last?.html?.contains("background:\(ProgressView.stoppedColor)") ?? false, last?.html ?? "")
        XCTAssertTrue(last?.html?.contains(">interrupted</span>") ?? false)
        let count = host.updates.count
        reporter.end(source, outcome: .interrupted)
        XCTAssertEqual(host.updates.count, count, "ending twice draws nothing more")
    }

    func testWorkInterruptedBeforeTheDelayShowsNothing() {
        let (host, clock, reporter, source) = fixture()
        clock.now = 0.3
        reporter.report(ProgressEvent(task: "train", completed: 3, total: 550), from: source)
        reporter.end(source, outcome: .interrupted)
        XCTAssertTrue(host.displays.isEmpty && host.updates.isEmpty)
    }

    /// A builtin reporting through two work monitors, optionally throwing at the end.
    private func session(reporting events: Int, of total: Int, thenThrow: Bool = false) -> LanguageSession {
        let session = LanguageSession()
        session.register(Builtin(name: "work", parameters: [], summary: "Test work.", example: "work()") { _, context in
            let monitor = context.workMonitor()
            for i in 1...events {
                monitor.progress(ProgressEvent(task: "work", completed: i, total: total, finished: i == total))
            }
            if thenThrow { throw ScriptError(.value, "work: bad") }
            return .int(events)
        })
        return session
    }

    func testEveryCallOfACellDrawsOnTheCellsOneDisplay() {
        let session = session(reporting: 3, of: 3)
        let host = RecordingHost()
        guard case .success = session.execute("work()\nwork()\nwork()", host: host) else { return XCTFail() }
        XCTAssertEqual(host.displays.count, 1)
        XCTAssertEqual(Set(host.displays.map(\.1) + host.updates.map(\.1)).count, 1)
        // the next cell has a display of its own
        guard case .success = session.execute("work()", host: host) else { return XCTFail() }
        XCTAssertEqual(host.displays.count, 2)
        XCTAssertNotEqual(host.displays[0].1, host.displays[1].1)
    }

    func testACallThatReturnsOrThrowsMidTaskEndsItsBar() {
        let host = RecordingHost()
        guard case .success = session(reporting: 2, of: 5).execute("work()", host: host) else { return XCTFail() }
        XCTAssertTrue(host.updates.last?.0.text.hasPrefix("✓ work: 2/5") ?? false, host.updates.last?.0.text ?? "")
        let failing = RecordingHost()
        guard case .failure = session(reporting: 2, of: 5, thenThrow: true).execute("work()", host: failing) else { return XCTFail() }
        XCTAssertTrue(failing.updates.last?.0.text.hasSuffix("— stopped by an error") ?? false, failing.updates.last?.0.text ?? "")
    }
}
