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

    func testTheProbeTellsPositionIndependentProductsFromOthers() {
        func naive(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ m: Int, _ n: Int, _ k: Int) {
            for i in 0..<m {
                for j in 0..<n {
                    var total: Float = 0
                    for p in 0..<k { total += a[i * k + p] * b[p * n + j] }
                    c[i * n + j] = total
                }
            }
        }
        XCTAssertTrue(BLASColumnProbe.identicalColumnsAgree(naive))
        // A kernel that accumulates the columns of its first tile in another order.
        XCTAssertFalse(BLASColumnProbe.identicalColumnsAgree { a, b, c, m, n, k in
            naive(a, b, c, m, n, k)
            for i in 0..<m {
                var total: Float = 0
                for p in stride(from: k - 1, through: 0, by: -1) { total += a[i * k + p] * b[p * n] }
                c[i * n] = total
            }
        })
        // The real library answers either way; workers follow it when not overridden.
        ConcurrentWorkers.setAvailability(nil)
        XCTAssertEqual(ConcurrentWorkers.isAvailable, ConcurrentWorkers.width > 1 && BLASColumnProbe.columnsAreIndependentOfPosition)
    }
}
