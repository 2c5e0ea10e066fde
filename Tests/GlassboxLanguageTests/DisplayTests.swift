import Foundation
import GlassboxEngine
import GlassboxFigures
import XCTest
@testable import GlassboxLanguage

final class DisplayTests: XCTestCase {
    func testShowColormapDisplaysPNGWhoseBarHasTheMapsColours() throws {
        let h = Harness()
        guard case .success(let result) = h.run("show(colormap(\"bwr\"))") else { return XCTFail("show failed") }
        XCTAssertNil(result)
        XCTAssertEqual(h.host.displays.count, 1)
        let output = h.host.displays[0].0
        let png = try XCTUnwrap(output.png)
        XCTAssertEqual(png.width, 480)
        XCTAssertEqual(png.height, 100)
        XCTAssertEqual(Array(png.bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(output.mimeMetadata["image/png"], ["width": 480, "height": 100])
        XCTAssertNotNil(output.mimeData["image/png"].flatMap { Data(base64Encoded: $0) })
        // Decode: the bar's left end is the map's colour at 0 (blue), its right end at 1 (red).
        let image = try RasterImage(pngBytes: png.bytes)
        XCTAssertEqual(image.width, 960)
        let bar = try ColormapFigure(name: "bwr").barRect
        let y = Int((bar.y + bar.height / 2) * 2)
        let left = image.pixel(Int((bar.x + 3) * 2), y)
        let right = image.pixel(Int((bar.x + bar.width - 3) * 2), y)
        let middle = image.pixel(Int((bar.x + bar.width / 2) * 2), y)
        XCTAssertGreaterThan(Int(left.b), 200); XCTAssertLessThan(Int(left.r), 60)
        XCTAssertGreaterThan(Int(right.r), 200); XCTAssertLessThan(Int(right.b), 60)
        XCTAssertGreaterThan(Int(middle.r), 220); XCTAssertGreaterThan(Int(middle.g), 220); XCTAssertGreaterThan(Int(middle.b), 220)
    }

    func testColormapAsCellResultAndItsMembers() {
        let h = Harness()
        guard case .success(let output) = h.run("colormap(\"viridis\")") else { return XCTFail() }
        XCTAssertNotNil(output?.png)
        XCTAssertEqual(output?.text, "<Figure: Colormap viridis, 480×100 px>")
        XCTAssertEqual(h.result("colormap(\"bwr\").isDiverging"), "true")
        XCTAssertEqual(h.result("type(of: colormap(\"gray\"))"), "\"Figure\"")
        let error = h.error("colormap(\"virdis\")")
        XCTAssertEqual(error?.kind, .value)
        XCTAssertEqual(error?.suggestions.first, "viridis")
        XCTAssertEqual(error?.range?.start.column, 10)
    }

    func testProgressReporterUpdatesOneDisplayThrottledAndSummarises() {
        let host = RecordingHost()
        let clock = ManualClock()
        let reporter = ProgressReporter(host: host, displayID: "p1", delay: 0, clock: { clock.now })
        reporter.report(ProgressEvent(task: "epoch 1/2", completed: 0, total: 100))
        for i in 1...50 {
            clock.now = Double(i) * 0.01  // 0.5 s in steps of 10 ms
            reporter.report(ProgressEvent(task: "epoch 1/2", completed: i, total: 100, metrics: [.init("loss", 0.5)]))
        }
        clock.now = 1.0
        reporter.report(ProgressEvent(task: "epoch 1/2", completed: 100, total: 100, metrics: [.init("loss", 0.25)], finished: true))
        XCTAssertEqual(host.displays.count, 1)
        XCTAssertEqual(host.displays[0].1, "p1")
        // 0.5 s at one update per 0.2 s: two throttled updates plus the summary.
        XCTAssertEqual(host.updates.count, 3)
        XCTAssertTrue(host.updates.allSatisfy { $0.1 == "p1" })
        let middle = host.updates[0].0
        // 20 of 100 after 0.2 s: 20%, 100 items per second, 0.8 s left.
        XCTAssertEqual(middle.text, "epoch 1/2 [######........................]  20% 20/100 [0:00<0:01, 100 it/s] loss=0.5")
        XCTAssertTrue(middle.html?.contains("width:20.0%") ?? false, middle.html ?? "")
        XCTAssertTrue(middle.html?.contains("20/100") ?? false)
        XCTAssertEqual(host.updates.last?.0.text, "✓ epoch 1/2: 100/100 in 0:01 (100 it/s) loss=0.25")
    }

    func testAccuracyMetricsShowAsPercentages() {
        let output = ProgressReporter.render(
            ProgressEvent(task: "eval", completed: 5, total: 5, metrics: [.init("accuracy", 0.9873), .init("loss", 0.5)], finished: true),
            elapsed: 2)
        XCTAssertEqual(output.text, "✓ eval: 5/5 in 0:02 (2.50 it/s) accuracy=98.73% loss=0.5")
    }

    func testWorkMonitorFromABuiltinReportsAndCancels() throws {
        let session = LanguageSession()
        session.register(Builtin(name: "work", parameters: [], summary: "Test work.", example: "work()") { _, context in
            let monitor = context.workMonitor()
            for i in 1...3 {
                try monitor.cancellation.check()
                monitor.progress(ProgressEvent(task: "work", completed: i, total: 3, finished: i == 3))
            }
            return .int(3)
        })
        let host = RecordingHost()
        guard case .success(let output) = session.execute("work()", host: host) else { return XCTFail() }
        XCTAssertEqual(output?.text, "3")
        XCTAssertEqual(host.displays.count, 1)
        XCTAssertTrue(host.updates.last?.0.text.hasPrefix("✓ work: 3/3") ?? false)
        // with the hosts' usual delay, quick work leaves no bar and no summary line behind
        let delayed = RecordingHost()
        delayed.progressDelay = 1
        guard case .success = session.execute("work()", host: delayed) else { return XCTFail() }
        XCTAssertEqual(delayed.displays.count + delayed.updates.count, 0)
    }

    func testProgressAppearsOnlyForWorkThatLasts() {
        let host = RecordingHost()
        let clock = ManualClock()
        let quick = ProgressReporter(host: host, displayID: "q", delay: 1, clock: { clock.now })
        quick.report(ProgressEvent(task: "SmoothGrad", completed: 0, total: 50))
        clock.now = 0.4
        quick.report(ProgressEvent(task: "SmoothGrad", completed: 50, total: 50, finished: true))
        XCTAssertTrue(host.displays.isEmpty && host.updates.isEmpty)
        clock.now = 0
        let slow = ProgressReporter(host: host, displayID: "s", delay: 1, clock: { clock.now })
        slow.report(ProgressEvent(task: "train", completed: 0, total: 10))
        clock.now = 1.5
        slow.report(ProgressEvent(task: "train", completed: 5, total: 10))
        clock.now = 3
        slow.report(ProgressEvent(task: "train", completed: 10, total: 10, finished: true))
        XCTAssertEqual(host.displays.map(\.1), ["s"])
        XCTAssertEqual(host.updates.last?.0.text, "✓ train: 10/10 in 0:03 (3.33 it/s)")
        XCTAssertFalse((host.displays + host.updates).contains { $0.0.text.contains("? it/s") })
    }

    func testTerminalProgressIsABarOnATerminalAndOnlyASummaryOtherwise() {
        for bar in [true, false] {
            let sink = TextSink()
            let host = TerminalHost(outputDirectory: FileManager.default.temporaryDirectory, terminalProgress: bar,
                                    write: { sink.append($0, $1) })
            let clock = ManualClock()
            let reporter = ProgressReporter(host: host, displayID: "p", delay: 0, clock: { clock.now })
            for i in 0...8 {
                clock.now = Double(i) * 0.125  // exact in binary
                reporter.report(ProgressEvent(task: "train", completed: i, total: 8, finished: i == 8))
            }
            XCTAssertEqual(sink.stdout, "")
            if bar {
                // At 0, then at most every 0.2 s (0.25, 0.5, 0.75), then the summary at 1.0.
                XCTAssertEqual(sink.stderr.components(separatedBy: "\r\u{1B}[2K").count - 1, 5)
                XCTAssertTrue(sink.stderr.hasSuffix("✓ train: 8/8 in 0:01 (8.00 it/s)\n"))
            } else {
                XCTAssertEqual(sink.stderr, "✓ train: 8/8 in 0:01 (8.00 it/s)\n")
            }
            // an interrupted task ends its line marked, with the count it reached
            let source = reporter.makeSource()
            clock.now = 3
            reporter.report(ProgressEvent(task: "train", completed: 4, total: 8), from: source)
            reporter.end(source, outcome: .interrupted)
            let stopped = bar ? "\r\u{1B}[2K✗ train [###############...............]  50% 4/8 [0:02, 2.00 it/s] — interrupted\n"
                              : "✓ train: 8/8 in 0:01 (8.00 it/s)\n✗ train: interrupted at 4/8 after 0:02 (2.00 it/s)\n"
            XCTAssertTrue(sink.stderr.hasSuffix(stopped), sink.stderr)
        }
    }

    func testTerminalHostWritesFiguresAndText() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sink = TextSink()
        let host = TerminalHost(outputDirectory: directory, terminalProgress: false, write: { sink.append($0, $1) })
        let session = LanguageSession()
        guard case .success = session.execute("print(\"hi\")\nshow(colormap(\"gray\"))\nshow(colormap(\"hot\"))\nwarn(\"w\")", host: host)
        else { return XCTFail() }
        XCTAssertEqual(host.writtenFigures.map(\.lastPathComponent), ["figure-001.png", "figure-002.png"])
        let bytes = try Data(contentsOf: directory.appendingPathComponent("figure-002.png"))
        XCTAssertEqual(try RasterImage(pngBytes: [UInt8](bytes)).width, 960)
        XCTAssertTrue(sink.stdout.hasPrefix("hi\n[figure 1: "))
        XCTAssertEqual(sink.stderr, "w\n")
    }

    func testTerminalHostRewritesAFigureThatUpdatesInPlace() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sink = TextSink()
        let host = TerminalHost(outputDirectory: directory, terminalProgress: false, write: { sink.append($0, $1) })
        let small = try LiveImages.render(Tensor(zeros: [2, 1, 4, 4]), titles: nil, caption: "first", function: "test")
        let large = try LiveImages.render(Tensor(zeros: [5, 1, 4, 4]), titles: nil, caption: "last", function: "test")
        host.display(small, displayID: "live-1")
        host.updateDisplay(large, displayID: "live-1")
        XCTAssertEqual(host.writtenFigures.map(\.lastPathComponent), ["figure-001.png"])
        let bytes = try Data(contentsOf: directory.appendingPathComponent("figure-001.png"))
        XCTAssertEqual(bytes, Data(large.png!.bytes), "the file holds the last state")
        XCTAssertFalse(sink.stdout.contains("last"))
        // A text-only update is written as text.
        host.updateDisplay(RichOutput(text: "a line"), displayID: "other")
        XCTAssertTrue(sink.stdout.hasSuffix("a line\n"))
    }
}

final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0.0
    var now: Double {
        get { lock.lock(); defer { lock.unlock() }; return value }
        set { lock.lock(); value = newValue; lock.unlock() }
    }
}

final class TextSink: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var stdout = ""
    private(set) var stderr = ""
    func append(_ text: String, _ stream: HostStream) {
        lock.lock(); defer { lock.unlock() }
        if stream == .stdout { stdout += text } else { stderr += text }
    }
}
