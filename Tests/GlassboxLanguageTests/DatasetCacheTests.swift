import GlassboxData
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

    /// Images held as bytes count as bytes; the budget comes from $GLASSBOX_DATASET_CACHE, else 256 MiB.
    func testBytesCountAsBytesAndTheBudgetIsConfigurable() throws {
        let pixels = [UInt8](repeating: 9, count: 12 * 784)
        let rows = try ImageRows(bytes: ByteStorage(pixels), offset: 0, count: 12, height: 28, width: 28, decoding: .unitInterval)
        let labelled = try LabelledImages(rows: rows, labels: (0..<12).map { $0 % 10 })
        let batch = ImageBatch(labelled, origin: "bytes")
        let dataset = DatasetValue(name: "bytes", train: batch, validation: batch, test: batch)
        XCTAssertEqual(DatasetCache.bytes(of: dataset), 3 * 12 * 784)
        XCTAssertEqual(batch.images.scalars.first, Float(9) / 255)
        XCTAssertEqual(DatasetCache.configuredBudget(environment: [:]), 256 << 20)
        XCTAssertEqual(DatasetCache.configuredBudget(environment: ["GLASSBOX_DATASET_CACHE": "64M"]), 64 << 20)
        XCTAssertEqual(DatasetCache.configuredBudget(environment: ["GLASSBOX_DATASET_CACHE": "lots"]), 256 << 20)
    }
}
