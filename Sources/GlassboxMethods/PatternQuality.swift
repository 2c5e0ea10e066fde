import GlassboxEngine
import GlassboxModels

/// The signal-estimator quality ρ of Kindermans et al. (2018), per layer:
///
///     ρ(S) = 1 − max_v corr(wⱼᵀx, vᵀ(x − S(x)))
///
/// for a unit j with filter wⱼ: a good estimator S leaves in the distractor estimate x − S(x) nothing
/// a linear projection could correlate with the output (ρ = 1). Two estimators are measured: the
/// filter's own direction S_w(x) = wⱼ wⱼᵀx / ‖wⱼ‖² (what the gradient and deconvnet assume), and the
/// learned two-sided patterns S(x) = a_± wⱼᵀx (PatternNet's).
///
/// The maximum over v is a ridge regression of y = wⱼᵀx on the distractor estimate (both centred),
/// fitted by conjugate gradients on the first half of the rows and measured, as a correlation, on
/// the second half (so that many inputs cannot fit noise). Rows are the layer's inputs (for a conv
/// layer, the patches under the kernel at every position), at most `maxRows`, evenly spaced; `units`
/// units per layer, evenly spaced; all units and both estimators are solved together, two matrix
/// products per iteration.
public enum PatternQuality {
    public struct LayerQuality: Sendable, Equatable {
        public var layer: String
        /// Units measured, rows fitted + held out, and the inputs per row.
        public var units: Int
        public var rows: Int
        public var inputs: Int
        /// Mean ρ over the measured units for the filter direction and for the learned patterns.
        public var filter: Double
        public var pattern: Double
    }

    public static func measure(_ network: Sequential, patterns: SignalPatterns, images: Tensor, units: Int = 8,
                               maxRows: Int = 4096, iterations: Int = 80, monitor: WorkMonitor = .none) throws -> [LayerQuality] {
        try patterns.check(against: network)
        guard units >= 1, maxRows >= 8 else {
            throw MethodError.invalidOption(method: "patternQuality", message: "needs units ≥ 1 and at least 8 rows")
        }
        let record = try network.forwardRecording(images, training: false)
        var result: [LayerQuality] = []
        let layers = SignalPatterns.patternLayers(of: network)
        for (index, layer) in layers.enumerated() {
            try monitor.cancellation.check()
            guard let step = record.step(named: layer.name), let pattern = patterns.pattern(for: layer.name) else { continue }
            result.append(try measureLayer(layer, step: step, pattern: pattern, units: units, maxRows: maxRows, iterations: iterations))
            monitor.progress(ProgressEvent(task: "pattern quality", completed: index + 1, total: layers.count,
                                           finished: index + 1 == layers.count))
        }
        return result
    }

    /// The rows (M × D) of a layer's input: the input itself for a dense layer, the patches for a conv.
    static func rows(_ step: LayerStep, layer: any LinearLayer, maxRows: Int) throws -> (rows: [Float], count: Int, width: Int, outputs: [Float]) {
        let units = layer.weight.value.shape[0]
        let width = layer.weight.value.count / units
        let z = step.output
        let x = step.input
        let n = x.shape[0]
        let positions = z.count / (n * units)
        let total = n * positions
        let every = Swift.max(1, (total + maxRows - 1) / maxRows)
        let count = (total + every - 1) / every
        try MemoryBudget.shared.check(WorkingMemory.bytes(floats: count * width), for: "the pattern-quality rows of '\(layer.name)'")
        var rows = [Float](repeating: 0, count: count * width)
        var outputs = [Float](repeating: 0, count: count * units)
        let conv = layer as? Conv2D
        let geometry = try conv.map { try Convolution2D.geometry(input: x.shape, weight: $0.weightShape, stride: $0.stride, padding: $0.padding) }
        for r in 0..<count {
            let index = r * every
            let image = index / positions, position = index % positions
            for u in 0..<units { outputs[r * units + u] = z.scalars[(image * units + u) * positions + position] }
            guard let g = geometry else {
                for i in 0..<width { rows[r * width + i] = x.scalars[image * width + i] }
                continue
            }
            let (oy, ox) = (position / g.outputWidth, position % g.outputWidth)
            let channels = x.shape[1]
            var i = 0
            for c in 0..<channels {
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        let iy = oy * g.strideHeight + ky - g.padTop, ix = ox * g.strideWidth + kx - g.padLeft
                        if iy >= 0, iy < g.inputHeight, ix >= 0, ix < g.inputWidth {
                            rows[r * width + i] = x.scalars[((image * channels + c) * g.inputHeight + iy) * g.inputWidth + ix]
                        }
                        i += 1
                    }
                }
            }
        }
        return (rows, count, width, outputs)
    }

    static func measureLayer(_ layer: any LinearLayer, step: LayerStep, pattern: LayerPattern, units requested: Int, maxRows: Int,
                             iterations: Int) throws -> LayerQuality {
        let w = layer.weight.value
        let allUnits = w.shape[0]
        let (rowValues, m, d, outputs) = try rows(step, layer: layer, maxRows: maxRows)
        let chosen = Array(Set((0..<Swift.min(requested, allUnits)).map { $0 * allUnits / Swift.min(requested, allUnits) })).sorted()
        let fit = m / 2, held = m - fit
        guard fit >= 4, held >= 4 else {
            throw MethodError.invalidOption(method: "patternQuality", message: "layer '\(layer.name)' has only \(m) rows; give more images")
        }
        // Columns: (unit, estimator) pairs; estimator 0 = filter, 1 = pattern.
        struct Column { var unit: Int; var positive: [Double]; var negative: [Double] }
        var columns: [Column] = []
        for j in chosen {
            let wj = (0..<d).map { Double(w.scalars[j * d + $0]) }
            let norm = wj.reduce(0) { $0 + $1 * $1 }
            let filter = wj.map { norm > 0 ? $0 / norm : 0 }
            columns.append(Column(unit: j, positive: filter, negative: filter))
            columns.append(Column(unit: j, positive: (0..<d).map { Double(pattern.positive.scalars[j * d + $0]) },
                                  negative: (0..<d).map { Double(pattern.negative.scalars[j * d + $0]) }))
        }
        let k = columns.count
        // y = wⱼᵀx per row and chosen unit; the regime from the recorded output (bias included).
        let x = Tensor(shape: [m, d], scalars: rowValues)
        let wChosen = Tensor(shape: [chosen.count, d], scalars: chosen.flatMap { j in Array(w.scalars[(j * d)..<((j + 1) * d)]) })
        let yAll = try MatrixProduct.matmul(x, wChosen, transposeB: true)   // [m, units]
        let units = w.shape[0]
        func y(_ row: Int, _ column: Int) -> Double { Double(yAll.scalars[row * chosen.count + column / 2]) }
        func up(_ row: Int, _ column: Int) -> Bool { outputs[row * units + columns[column].unit] > 0 }

        /// D̂ v for the rows `range`, centred over them: [rows, k].
        func apply(_ v: [Double], rows range: Range<Int>) throws -> [Double] {
            let xr = Tensor(shape: [range.count, d], scalars: Array(rowValues[(range.lowerBound * d)..<(range.upperBound * d)]))
            let xv = try MatrixProduct.matmul(xr, Tensor(shape: [d, k], scalars: v.map { Float($0) }))
            var dots = [(Double, Double)](repeating: (0, 0), count: k)
            for c in 0..<k {
                var p = 0.0, q = 0.0
                for i in 0..<d { p += columns[c].positive[i] * v[i * k + c]; q += columns[c].negative[i] * v[i * k + c] }
                dots[c] = (p, q)
            }
            var out = [Double](repeating: 0, count: range.count * k)
            for (r, row) in range.enumerated() {
                for c in 0..<k {
                    out[r * k + c] = Double(xv.scalars[r * k + c]) - y(row, c) * (up(row, c) ? dots[c].0 : dots[c].1)
                }
            }
            for c in 0..<k {
                var mean = 0.0
                for r in 0..<range.count { mean += out[r * k + c] }
                mean /= Double(range.count)
                for r in 0..<range.count { out[r * k + c] -= mean }
            }
            return out
        }
        /// D̂ᵀ u for the fitting rows (u centred): [d, k].
        func applyTransposed(_ u: [Double]) throws -> [Double] {
            let xr = Tensor(shape: [fit, d], scalars: Array(rowValues[0..<(fit * d)]))
            let xu = try MatrixProduct.matmul(xr, Tensor(shape: [fit, k], scalars: u.map { Float($0) }), transposeA: true)
            var out = xu.scalars.map(Double.init)
            for c in 0..<k {
                var sp = 0.0, sn = 0.0
                for r in 0..<fit {
                    if up(r, c) { sp += y(r, c) * u[r * k + c] } else { sn += y(r, c) * u[r * k + c] }
                }
                for i in 0..<d { out[i * k + c] -= columns[c].positive[i] * sp + columns[c].negative[i] * sn }
            }
            return out
        }
        // Centred y on the fitting rows, per column.
        var yc = [Double](repeating: 0, count: fit * k)
        for c in 0..<k {
            var mean = 0.0
            for r in 0..<fit { mean += y(r, c) }
            mean /= Double(fit)
            for r in 0..<fit { yc[r * k + c] = y(r, c) - mean }
        }
        // Ridge: λ = 10⁻³ × the mean squared value of the centred inputs × rows.
        var meanSquare = 0.0
        for i in 0..<(fit * d) { meanSquare += Double(rowValues[i]) * Double(rowValues[i]) }
        let lambda = 1e-3 * meanSquare / Double(d) + 1e-12
        let b = try applyTransposed(yc)
        var v = [Double](repeating: 0, count: d * k)
        var r = b, p = b
        var rr = (0..<k).map { c in (0..<d).reduce(0.0) { $0 + r[$1 * k + c] * r[$1 * k + c] } }
        let start = rr
        for _ in 0..<iterations {
            let ap0 = try applyTransposed(try apply(p, rows: 0..<fit))
            var done = true
            var next = rr
            for c in 0..<k where rr[c] > 1e-20 * Swift.max(start[c], 1e-30) {
                var pap = 0.0
                for i in 0..<d { pap += p[i * k + c] * (ap0[i * k + c] + lambda * p[i * k + c]) }
                guard pap > 0 else { continue }
                let alpha = rr[c] / pap
                var nrr = 0.0
                for i in 0..<d {
                    v[i * k + c] += alpha * p[i * k + c]
                    r[i * k + c] -= alpha * (ap0[i * k + c] + lambda * p[i * k + c])
                    nrr += r[i * k + c] * r[i * k + c]
                }
                let beta = nrr / rr[c]
                for i in 0..<d { p[i * k + c] = r[i * k + c] + beta * p[i * k + c] }
                next[c] = nrr
                if nrr > 1e-12 * start[c] { done = false }
            }
            rr = next
            if done { break }
        }
        // Correlation on the held-out rows.
        let projected = try apply(v, rows: fit..<m)
        var rho = [Double](repeating: 0, count: k)
        for c in 0..<k {
            var my = 0.0
            for r in fit..<m { my += y(r, c) }
            my /= Double(held)
            var sxy = 0.0, sxx = 0.0, syy = 0.0
            for r in 0..<held {
                let a = projected[r * k + c], bY = y(fit + r, c) - my
                sxy += a * bY; sxx += a * a; syy += bY * bY
            }
            let corr = sxx > 0 && syy > 0 ? abs(sxy) / (sxx * syy).squareRoot() : 0
            rho[c] = 1 - corr
        }
        let filter = stride(from: 0, to: k, by: 2).map { rho[$0] }, patternRho = stride(from: 1, to: k, by: 2).map { rho[$0] }
        return LayerQuality(layer: layer.name, units: chosen.count, rows: m, inputs: d,
                            filter: filter.reduce(0, +) / Double(filter.count), pattern: patternRho.reduce(0, +) / Double(patternRho.count))
    }
}
