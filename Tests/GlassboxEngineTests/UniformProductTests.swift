import XCTest
@testable import GlassboxEngine

/// The uniform product kernels: every element is one fused multiply-add chain over the inner
/// dimension in order, so results equal a scalar chain bit for bit on every kernel, at every
/// position, for every split over threads.
final class UniformProductTests: XCTestCase {
    override func tearDown() {
        UniformProduct.use(nil)
    }

    /// op(A) · op(B) (+ C) by one scalar fused multiply-add chain per element.
    private func chain(_ a: [Float], transposeA: Bool, _ b: [Float], transposeB: Bool, start: [Float]?,
                       m: Int, n: Int, k: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc: Float = start?[i * n + j] ?? 0
                for p in 0..<k {
                    let x = transposeA ? a[p * m + i] : a[i * k + p]
                    let y = transposeB ? b[j * k + p] : b[p * n + j]
                    acc = acc.addingProduct(x, y)
                }
                c[i * n + j] = acc
            }
        }
        return c
    }

    private func product(_ a: [Float], transposeA: Bool, _ b: [Float], transposeB: Bool, start: [Float]?,
                         m: Int, n: Int, k: Int) -> [Float] {
        var c = start ?? [Float](repeating: .nan, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    MatrixProduct.gemm(pa.baseAddress!, transposeA: transposeA, pb.baseAddress!, transposeB: transposeB,
                                       pc.baseAddress!, m: m, n: n, k: k, beta: start == nil ? 0 : 1)
                }
            }
        }
        return c
    }

    private func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in rng.nextUniform() * 2 - 1 }
    }

    func testEveryKernelEqualsTheScalarChainBitForBit() {
        let kernels = UniformProduct.Kernel.allCases.filter(\.isSupported)
        XCTAssertTrue(kernels.contains(.portable))
        // Sizes that cross the tiles (6, 8 rows; 8, 16, 32 columns), the depth blocks (256) and the
        // split over cores, with every transpose and with accumulation.
        let shapes = [(1, 1, 1), (7, 33, 5), (13, 70, 300), (64, 200, 600), (100, 9, 257), (3, 1100, 40)]
        for kernel in kernels {
            XCTAssertTrue(UniformProduct.use(kernel))
            for (index, (m, n, k)) in shapes.enumerated() {
                for transposeA in [false, true] {
                    for transposeB in [false, true] {
                        for accumulate in [false, true] {
                            let a = random(m * k, seed: UInt64(index * 8 + 1))
                            let b = random(k * n, seed: UInt64(index * 8 + 2))
                            let start = accumulate ? random(m * n, seed: UInt64(index * 8 + 3)) : nil
                            let got = product(a, transposeA: transposeA, b, transposeB: transposeB, start: start, m: m, n: n, k: k)
                            let want = chain(a, transposeA: transposeA, b, transposeB: transposeB, start: start, m: m, n: n, k: k)
                            XCTAssertTrue(got.elementsEqual(want, by: { $0.bitPattern == $1.bitPattern }),
                                          "\(kernel) \(m)×\(n)×\(k) tA \(transposeA) tB \(transposeB) accumulate \(accumulate)")
                        }
                    }
                }
            }
        }
    }

    func testIdenticalColumnsAndRowsComeOutIdenticalAtEveryPosition() {
        // The property the max-pool ties need: the same patch gives the same value in any column.
        let (m, k, n) = (64, 600, 203)
        let a = random(m * k, seed: 7)
        let column = random(k, seed: 8)
        var b = [Float](repeating: 0, count: k * n)
        for p in 0..<k { for j in 0..<n { b[p * n + j] = column[p] } }
        for kernel in UniformProduct.Kernel.allCases where kernel.isSupported {
            UniformProduct.use(kernel)
            let c = product(a, transposeA: false, b, transposeB: false, start: nil, m: m, n: n, k: k)
            for i in 0..<m { XCTAssertTrue((0..<n).allSatisfy { c[i * n + $0] == c[i * n] }, "\(kernel) row \(i)") }
            // And rows: the transpose of the same product.
            let t = product(b, transposeA: true, a, transposeB: true, start: nil, m: n, n: m, k: k)
            for j in 0..<n { XCTAssertTrue((0..<m).allSatisfy { t[j * m + $0] == c[$0 * n] }, "\(kernel) column \(j)") }
        }
    }

    func testTheSplitOverCoresDoesNotChangeABit() {
        let (m, n, k) = (50, 3000, 300)
        let a = random(m * k, seed: 9), b = random(k * n, seed: 10)
        let split = product(a, transposeA: false, b, transposeB: false, start: nil, m: m, n: n, k: k)
        var single = [Float](repeating: 0, count: m * n)
        // Inside workers products run on the calling thread, in one piece.
        ConcurrentWorkers.setAvailability(true)
        defer { ConcurrentWorkers.setAvailability(nil) }
        try? ConcurrentWorkers.run(2) { i in
            if i == 0 { single = self.product(a, transposeA: false, b, transposeB: false, start: nil, m: m, n: n, k: k) }
        }
        XCTAssertTrue(split.elementsEqual(single, by: { $0.bitPattern == $1.bitPattern }))
        XCTAssertFalse(single.contains { $0.isNaN })
    }

    func testTheKernelCanBeChosenAndIsDescribed() {
        XCTAssertTrue(UniformProduct.use(.portable))
        XCTAssertEqual(UniformProduct.kernel, .portable)
        XCTAssertTrue(MatrixProduct.kernelDescription.contains("uniform portable kernels"))
        UniformProduct.use(nil)
        XCTAssertEqual(UniformProduct.kernel, UniformProduct.defaultKernel)
    }
}
