import XCTest
@testable import GlassboxLanguage

/// The dataset cache keeps recently used datasets within its byte budget.
final class DatasetCacheTests: XCTestCase {
    func testTheLeastRecentlyUsedDatasetIsDroppedBeyondTheBudgetAndLoadedAgainWhenAskedFor() throws {
        let tiny = BindingsHarness.tinyDataset()
        let size = DatasetCache.bytes(of: tiny)
        XCTAssertEqual(size, (300 + 20 + 100) * tiny.train.images.count / 300 * 4)
        let cache = DatasetCache(budget: size * 5 / 2)  // room for two
        var loads: [String: Int] = [:]
        func get(_ key: String) throws {
            _ = try cache.value(for: key) {
                loads[key, default: 0] += 1
                return tiny
            }
        }
        try get("a")
        try get("b")
        try get("a")  // cached; now b is the least recently used
        XCTAssertEqual(loads, ["a": 1, "b": 1])
        try get("c")  // over budget: b goes
        XCTAssertEqual(cache.keys, ["a", "c"])
        try get("a")
        XCTAssertEqual(loads["a"], 1, "a was used recently and stays")
        try get("b")
        XCTAssertEqual(loads["b"], 2, "b was dropped and is loaded again")
        XCTAssertEqual(cache.keys, ["a", "b"])
    }

    func testADatasetLargerThanTheBudgetIsStillReturnedAndKeptAlone() throws {
        let tiny = BindingsHarness.tinyDataset()
        let cache = DatasetCache(budget: DatasetCache.bytes(of: tiny) / 2)
        _ = try cache.value(for: "a") { tiny }
        let b = try cache.value(for: "b") { tiny }
        XCTAssertEqual(b.train.count, 300)
        XCTAssertEqual(cache.keys, ["b"])
    }

    func testAFailedLoadCachesNothing() {
        let cache = DatasetCache()
        struct Missing: Error {}
        XCTAssertThrowsError(try cache.value(for: "x") { throw Missing() })
        XCTAssertEqual(cache.keys, [])
    }
}
