import Synchronization
import XCTest
@testable import GlassboxEngine

/// Whole jobs side by side: every job runs once, errors come back, nothing leaks out of the group.
final class ConcurrentWorkersTests: XCTestCase {
    override func tearDown() {
        ConcurrentWorkers.setAvailability(nil)
    }

    func testEveryJobRunsOnceAndEngineKernelsAreSingleThreadedInside() throws {
        for available in [true, false] {
            ConcurrentWorkers.setAvailability(available)
            let blasThreads = OpenBLASLibrary.functions.getThreadCount()
            let runs = Mutex([Int](repeating: 0, count: 7))
            let insideActive = Mutex([Bool]())
            let insideThreads = Mutex([Int32]())
            try ConcurrentWorkers.run(7) { i in
                runs.withLock { $0[i] += 1 }
                insideActive.withLock { $0.append(ConcurrentWorkers.isActive) }
                insideThreads.withLock { $0.append(OpenBLASLibrary.functions.getThreadCount()) }
            }
            XCTAssertEqual(runs.withLock { $0 }, [Int](repeating: 1, count: 7))
            XCTAssertFalse(ConcurrentWorkers.isActive)
            XCTAssertEqual(OpenBLASLibrary.functions.getThreadCount(), blasThreads, "the BLAS thread count is restored")
            if available {
                XCTAssertEqual(insideActive.withLock { $0 }, [Bool](repeating: true, count: 7))
                XCTAssertEqual(insideThreads.withLock { $0 }, [Int32](repeating: 1, count: 7))
            } else {
                XCTAssertEqual(insideActive.withLock { $0 }, [Bool](repeating: false, count: 7))
            }
        }
    }

    func testTheLowestFailingJobsErrorIsRethrownAfterAllJobsRan() {
        ConcurrentWorkers.setAvailability(true)
        struct Failure: Error, Equatable { let index: Int }
        let runs = Mutex(0)
        XCTAssertThrowsError(try ConcurrentWorkers.run(6) { i in
            runs.withLock { $0 += 1 }
            if i == 3 || i == 4 { throw Failure(index: i) }
        }) { error in
            XCTAssertEqual(error as? Failure, Failure(index: 3))
        }
        XCTAssertEqual(runs.withLock { $0 }, 6)
        XCTAssertFalse(ConcurrentWorkers.isActive)
    }

    func testAGroupInsideAWorkerRunsInOrderOnItsThread() throws {
        ConcurrentWorkers.setAvailability(true)
        let orders = Mutex([[Int]]())
        try ConcurrentWorkers.run(2) { _ in
            var order: [Int] = []
            try ConcurrentWorkers.run(4) { order.append($0) }
            orders.withLock { $0.append(order) }
        }
        XCTAssertEqual(orders.withLock { $0 }, [[0, 1, 2, 3], [0, 1, 2, 3]])
    }

    func testWorkersAreAvailableOnEveryMachineWithMoreThanOneCore() {
        ConcurrentWorkers.setAvailability(nil)
        XCTAssertEqual(ConcurrentWorkers.isAvailable, ConcurrentWorkers.width > 1)
    }
}
