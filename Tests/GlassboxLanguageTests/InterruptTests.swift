import Foundation
import GlassboxEngine
import XCTest
@testable import GlassboxLanguage

final class InterruptTests: XCTestCase {
    /// Runs `code`, interrupts it from another thread after `delay`, and returns the outcome and
    /// the seconds between the interrupt and the end of the cell.
    private func interrupt(_ code: String, after delay: Double, session: LanguageSession = LanguageSession())
        -> (CellOutcome, Double) {
        let host = RecordingHost()
        let interruptedAt = LockedTime()
        let thread = Thread {
            Thread.sleep(forTimeInterval: delay)
            interruptedAt.set(Date())
            session.interrupt()
        }
        thread.start()
        let outcome = session.execute(code, host: host)
        let end = Date()
        return (outcome, end.timeIntervalSince(interruptedAt.get() ?? end))
    }

    func testInterruptsSleepWithinHalfASecond() {
        let (outcome, latency) = interrupt("sleep(10)", after: 0.2)
        guard case .interrupted = outcome else { return XCTFail("expected .interrupted, got \(outcome)") }
        XCTAssertLessThan(latency, 0.5)
    }

    func testInterruptsInfiniteLoopAndNextCellRuns() {
        let session = LanguageSession()
        let started = Date()
        let (outcome, latency) = interrupt("var n = 0\nwhile true { n += 1 }", after: 0.2, session: session)
        guard case .interrupted = outcome else { return XCTFail("expected .interrupted, got \(outcome)") }
        XCTAssertLessThan(latency, 0.5)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        // The loop really ran, its state survives, and the next cell runs normally.
        guard case .success(let output) = session.execute("n > 0", host: RecordingHost()) else { return XCTFail() }
        XCTAssertEqual(output?.text, "true")
        guard case .success = session.execute("sleep(0.01)", host: RecordingHost()) else { return XCTFail() }
    }

    func testInterruptsEmptyInfiniteLoopAndForLoop() {
        let (outcome, latency) = interrupt("while true {}", after: 0.1)
        guard case .interrupted = outcome else { return XCTFail("expected .interrupted, got \(outcome)") }
        XCTAssertLessThan(latency, 0.5)
        let (forOutcome, forLatency) = interrupt("for i in 0..<1000000000000 { }", after: 0.1)
        guard case .interrupted = forOutcome else { return XCTFail("expected .interrupted, got \(forOutcome)") }
        XCTAssertLessThan(forLatency, 0.5)
    }

    func testSleepWaitsAtLeastTheTime() {
        let start = Date()
        guard case .success = LanguageSession().execute("sleep(0.15)", host: RecordingHost()) else { return XCTFail() }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.15)
    }
}

private final class LockedTime: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date?
    func set(_ date: Date) { lock.lock(); value = date; lock.unlock() }
    func get() -> Date? { lock.lock(); defer { lock.unlock() }; return value }
}
