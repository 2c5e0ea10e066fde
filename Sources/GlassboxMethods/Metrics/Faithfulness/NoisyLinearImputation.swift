import GlassboxEngine

/// ROAD's noisy linear imputation: every removed pixel takes the weighted mean of its neighbours
/// inside the image — weight 1/6 for the four direct neighbours, 1/12 for the four diagonal ones —
/// where removed neighbours are unknowns too, so all removed pixels of a channel are found together
/// from one sparse linear system; then noise·z (z standard normal) is added to each imputed value.
/// The filled region continues the image smoothly, so the model does not see the sharp-edged black
/// holes that make plain removal an out-of-distribution test.
///
/// The system, for the removed set M and neighbour weights w, is
///     (Σ_{j ∈ N(i)} w_ij) x_i − Σ_{j ∈ N(i) ∩ M} w_ij x_j = Σ_{j ∈ N(i) \ M} w_ij x_j   (i ∈ M),
/// symmetric and positive definite when every connected group of removed pixels touches a kept
/// one; it is solved by conjugate gradients with the diagonal as preconditioner. A group touching
/// no kept pixel has no information and is imputed as 0 (plus noise).
///
/// From Rong, Leemann, Borisov, Kasneci & Kasneci (2022), A consistent and efficient evaluation
/// strategy for attribution methods (ROAD), ICML.
public enum NoisyLinearImputation {
    /// (row offset, column offset, weight) of the eight neighbours.
    static let neighbours: [(dy: Int, dx: Int, weight: Double)] = [
        (-1, 0, 1.0 / 6), (1, 0, 1.0 / 6), (0, -1, 1.0 / 6), (0, 1, 1.0 / 6),
        (-1, -1, 1.0 / 12), (-1, 1, 1.0 / 12), (1, -1, 1.0 / 12), (1, 1, 1.0 / 12),
    ]

    /// Imputes the `removed` positions (H·W flags) of the [C, H, W] image in `image` in place,
    /// each channel on its own, adding `noise`·z with z drawn from `random`.
    public static func impute(_ image: UnsafeMutableBufferPointer<Float>, shape: [Int], removed: [Bool], noise: Float,
                              random: inout SeededRandom) {
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        let unknowns = removed.indices.filter { removed[$0] }
        guard !unknowns.isEmpty else { return }
        var index = [Int](repeating: -1, count: height * width)
        for (k, p) in unknowns.enumerated() { index[p] = k }
        // The diagonal, the couplings between unknowns, and the links to kept pixels.
        var diagonal = [Double](repeating: 0, count: unknowns.count)
        var couplings: [[(Int, Double)]] = Array(repeating: [], count: unknowns.count)
        var known: [[(Int, Double)]] = Array(repeating: [], count: unknowns.count)
        for (k, p) in unknowns.enumerated() {
            let (y, x) = (p / width, p % width)
            for n in neighbours {
                let (ny, nx) = (y + n.dy, x + n.dx)
                guard ny >= 0, ny < height, nx >= 0, nx < width else { continue }
                diagonal[k] += n.weight
                let q = ny * width + nx
                if index[q] >= 0 { couplings[k].append((index[q], n.weight)) } else { known[k].append((q, n.weight)) }
            }
        }
        for channel in 0..<channels {
            let plane = channel * height * width
            let rhs = known.map { links in links.reduce(0.0) { $0 + $1.1 * Double(image[plane + $1.0]) } }
            let solution = conjugateGradients(diagonal: diagonal, couplings: couplings, rhs: rhs)
            for (k, p) in unknowns.enumerated() { image[plane + p] = Float(solution[k]) + noise * random.nextGaussian() }
        }
    }

    /// Solves (D − W) x = b by preconditioned conjugate gradients (W: `couplings`), from x = 0 until
    /// the residual is 1e-12 of ‖b‖ or after twice as many iterations as unknowns.
    static func conjugateGradients(diagonal: [Double], couplings: [[(Int, Double)]], rhs: [Double]) -> [Double] {
        let m = rhs.count
        func apply(_ v: [Double]) -> [Double] {
            (0..<m).map { k in couplings[k].reduce(diagonal[k] * v[k]) { $0 - $1.1 * v[$1.0] } }
        }
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        var x = [Double](repeating: 0, count: m)
        var r = rhs
        let scale = dot(rhs, rhs)
        guard scale > 0 else { return x }
        var z = (0..<m).map { r[$0] / diagonal[$0] }
        var p = z
        var rz = dot(r, z)
        for _ in 0..<(2 * m + 10) {
            let ap = apply(p)
            let curvature = dot(p, ap)
            guard curvature > 0 else { break }
            let alpha = rz / curvature
            for k in 0..<m {
                x[k] += alpha * p[k]
                r[k] -= alpha * ap[k]
            }
            if dot(r, r) <= 1e-24 * scale { break }
            z = (0..<m).map { r[$0] / diagonal[$0] }
            let next = dot(r, z)
            let beta = next / rz
            rz = next
            for k in 0..<m { p[k] = z[k] + beta * p[k] }
        }
        return x
    }
}
