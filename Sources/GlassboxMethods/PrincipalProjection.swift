/// The projection of the rows of a matrix on its first principal component, for Eigen-CAM.
enum PrincipalProjection {
    /// X has `rows` rows (positions) and `columns` columns (feature maps), row-major. The columns
    /// are centred, then each row is projected on the first right singular vector v of the centred
    /// matrix: p = X_c v. The sign of v is not fixed by the decomposition; it is chosen so that
    /// Σ_k v_k ≥ 0, i.e. the projection correlates positively with the centred sum of the maps
    /// (on a tie, the first non-zero component of p is positive). Deterministic: cyclic Jacobi
    /// rotations on the smaller of X_cᵀX_c and X_c X_cᵀ, in Double.
    static func project(_ x: [Double], rows: Int, columns: Int) -> [Double] {
        var centred = x
        for k in 0..<columns {
            var mean = 0.0
            for p in 0..<rows { mean += x[p * columns + k] }
            mean /= Double(rows)
            for p in 0..<rows { centred[p * columns + k] -= mean }
        }
        var projection = [Double](repeating: 0, count: rows)
        if columns <= rows {
            // v = top eigenvector of X_cᵀX_c (columns × columns); p = X_c v.
            var gram = [Double](repeating: 0, count: columns * columns)
            for a in 0..<columns {
                for b in a..<columns {
                    var total = 0.0
                    for p in 0..<rows { total += centred[p * columns + a] * centred[p * columns + b] }
                    gram[a * columns + b] = total
                    gram[b * columns + a] = total
                }
            }
            let (_, v) = topEigenvector(gram, size: columns)
            for p in 0..<rows {
                var total = 0.0
                for k in 0..<columns { total += centred[p * columns + k] * v[k] }
                projection[p] = total
            }
        } else {
            // u = top eigenvector of X_c X_cᵀ (rows × rows), λ its eigenvalue; p = X_c v = √λ · u.
            var gram = [Double](repeating: 0, count: rows * rows)
            for a in 0..<rows {
                for b in a..<rows {
                    var total = 0.0
                    for k in 0..<columns { total += centred[a * columns + k] * centred[b * columns + k] }
                    gram[a * rows + b] = total
                    gram[b * rows + a] = total
                }
            }
            let (lambda, u) = topEigenvector(gram, size: rows)
            let sigma = Swift.max(lambda, 0).squareRoot()
            for p in 0..<rows { projection[p] = sigma * u[p] }
        }
        // Sign: Σ_p p_p · s_p ≥ 0 with s = X_c·1 (the centred sum of the maps), which is σ²·Σ_k v_k.
        var agreement = 0.0
        for p in 0..<rows {
            var sum = 0.0
            for k in 0..<columns { sum += centred[p * columns + k] }
            agreement += projection[p] * sum
        }
        let first = projection.first { $0 != 0 } ?? 0
        if agreement < 0 || (agreement == 0 && first < 0) {
            for p in 0..<rows { projection[p] = -projection[p] }
        }
        return projection
    }

    /// The largest eigenvalue of a symmetric matrix and a unit eigenvector for it, by cyclic
    /// Jacobi rotations (until the off-diagonal part is negligible, at most 100 sweeps). Each
    /// rotation zeroes a_pq and updates rows and columns p and q together (the matrix stays
    /// symmetric): a′_rp = c·a_rp − s·a_rq, a′_rq = s·a_rp + c·a_rq, a′_pp = a_pp − t·a_pq,
    /// a′_qq = a_qq + t·a_pq, with t = s/c the smaller root of t² + 2θt − 1 = 0, θ = (a_qq − a_pp)/(2a_pq).
    static func topEigenvector(_ matrix: [Double], size n: Int) -> (Double, [Double]) {
        var a = matrix
        var vectors = [Double](repeating: 0, count: n * n)
        for i in 0..<n { vectors[i * n + i] = 1 }
        let scale = a.reduce(0) { $0 + $1 * $1 }
        a.withUnsafeMutableBufferPointer { a in
            vectors.withUnsafeMutableBufferPointer { v in
                for _ in 0..<100 {
                    var off = 0.0
                    for i in 0..<n { for j in (i + 1)..<n { off += a[i * n + j] * a[i * n + j] } }
                    if off == 0 || off <= 1e-30 * scale { break }
                    for p in 0..<n {
                        for q in (p + 1)..<n {
                            let apq = a[p * n + q]
                            guard apq != 0 else { continue }
                            let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                            let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                            let c = 1 / (t * t + 1).squareRoot(), s = t * c
                            for r in 0..<n where r != p && r != q {
                                let arp = a[r * n + p], arq = a[r * n + q]
                                let newP = c * arp - s * arq, newQ = s * arp + c * arq
                                a[r * n + p] = newP; a[p * n + r] = newP
                                a[r * n + q] = newQ; a[q * n + r] = newQ
                            }
                            a[p * n + p] -= t * apq
                            a[q * n + q] += t * apq
                            a[p * n + q] = 0; a[q * n + p] = 0
                            for r in 0..<n {
                                let vrp = v[r * n + p], vrq = v[r * n + q]
                                v[r * n + p] = c * vrp - s * vrq
                                v[r * n + q] = s * vrp + c * vrq
                            }
                        }
                    }
                }
            }
        }
        var best = 0
        for i in 0..<n where a[i * n + i] > a[best * n + best] { best = i }
        return (a[best * n + best], (0..<n).map { vectors[$0 * n + best] })
    }
}
