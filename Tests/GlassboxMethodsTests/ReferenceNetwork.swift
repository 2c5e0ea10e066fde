import GlassboxEngine
import GlassboxModels
@testable import GlassboxMethods

/// A slow, obviously correct re-implementation of a `Sequential` network and of the relevance
/// rules, written from the papers' formulas: every layer is a list of neurons in Double, every
/// linear layer (dense or conv) an explicit weight matrix w[i][j] from input neuron i to output
/// neuron j, every pooling window an explicit list of input neurons. Rules are per-neuron loops.
/// (Zennit's test_rules style: nothing shared with the code under test but the weights.)
struct ReferenceNetwork {
    enum Stage {
        /// z_j = Σ_i a_i w[i][j] + b_j; `connected[i][j]` says whether the weight exists (conv).
        case linear(name: String, w: [[Double]], connected: [[Bool]], b: [Double])
        /// Output j is the max (or mean) of the inputs in `windows[j]` (row-major order).
        case pool(name: String, windows: [[Int]], max: Bool)
        case relu(name: String)
        case reshape(name: String)

        var name: String {
            switch self {
            case let .linear(name, _, _, _), let .pool(name, _, _), let .relu(name), let .reshape(name): return name
            }
        }
    }

    var stages: [Stage] = []

    /// The same network as `model` (dense, conv2d, max/avg pooling, ReLU, flatten only).
    init(_ model: Sequential) {
        var shape = model.inputShape
        for layer in model.layers {
            switch layer {
            case let dense as Dense:
                let w = dense.weight.value // [out, in]
                let (outputs, inputs) = (w.shape[0], w.shape[1])
                var matrix = [[Double]](repeating: [Double](repeating: 0, count: outputs), count: inputs)
                for j in 0..<outputs { for i in 0..<inputs { matrix[i][j] = Double(w.scalars[j * inputs + i]) } }
                let b = dense.bias.map { $0.value.scalars.map(Double.init) } ?? [Double](repeating: 0, count: outputs)
                stages.append(.linear(name: dense.name, w: matrix,
                                      connected: [[Bool]](repeating: [Bool](repeating: true, count: outputs), count: inputs), b: b))
                shape = [outputs]
            case let conv as Conv2D:
                let (c, h, wd) = (shape[0], shape[1], shape[2])
                let (kh, kw) = conv.kernel, (sh, sw) = conv.stride
                let (oh, top) = Self.geometry(h, kh, sh, conv.padding), (ow, left) = Self.geometry(wd, kw, sw, conv.padding)
                let o = conv.outChannels
                let weights = conv.weight.value.scalars
                var matrix = [[Double]](repeating: [Double](repeating: 0, count: o * oh * ow), count: c * h * wd)
                var connected = [[Bool]](repeating: [Bool](repeating: false, count: o * oh * ow), count: c * h * wd)
                for k in 0..<o { for y in 0..<oh { for x in 0..<ow {
                    let j = (k * oh + y) * ow + x
                    for ci in 0..<c { for dy in 0..<kh { for dx in 0..<kw {
                        let iy = y * sh + dy - top, ix = x * sw + dx - left
                        guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                        let i = (ci * h + iy) * wd + ix
                        matrix[i][j] = Double(weights[((k * c + ci) * kh + dy) * kw + dx])
                        connected[i][j] = true
                    } } }
                } } }
                var b = [Double](repeating: 0, count: o * oh * ow)
                if let bias = conv.bias?.value.scalars {
                    for k in 0..<o { for p in 0..<(oh * ow) { b[k * oh * ow + p] = Double(bias[k]) } }
                }
                stages.append(.linear(name: conv.name, w: matrix, connected: connected, b: b))
                shape = [o, oh, ow]
            case let pool as MaxPool2D:
                let (windows, out) = Self.windows(shape, pool.window, pool.stride, pool.padding)
                stages.append(.pool(name: pool.name, windows: windows, max: true))
                shape = out
            case let pool as AvgPool2D:
                let (windows, out) = Self.windows(shape, pool.window, pool.stride, pool.padding)
                stages.append(.pool(name: pool.name, windows: windows, max: false))
                shape = out
            case is ReLU:
                stages.append(.relu(name: layer.name))
            case is Flatten:
                stages.append(.reshape(name: layer.name))
                shape = [shape.reduce(1, *)]
            default:
                fatalError("the reference network has no \(layer.kind) layer")
            }
        }
    }

    /// Output size and top (left) padding of a window sliding over `size` cells (TF SAME/VALID).
    static func geometry(_ size: Int, _ k: Int, _ s: Int, _ padding: Padding) -> (Int, Int) {
        if padding == .valid { return ((size - k) / s + 1, 0) }
        let out = (size + s - 1) / s
        let total = max((out - 1) * s + k - size, 0)
        return (out, total / 2)
    }

    static func windows(_ shape: [Int], _ window: (Int, Int), _ stride: (Int, Int), _ padding: Padding) -> ([[Int]], [Int]) {
        let (c, h, w) = (shape[0], shape[1], shape[2])
        let (oh, top) = geometry(h, window.0, stride.0, padding), (ow, left) = geometry(w, window.1, stride.1, padding)
        var windows: [[Int]] = []
        for k in 0..<c { for y in 0..<oh { for x in 0..<ow {
            var cells: [Int] = []
            for dy in 0..<window.0 { for dx in 0..<window.1 {
                let iy = y * stride.0 + dy - top, ix = x * stride.1 + dx - left
                if iy >= 0, iy < h, ix >= 0, ix < w { cells.append((k * h + iy) * w + ix) }
            } }
            windows.append(cells)
        } } }
        return (windows, [c, oh, ow])
    }

    /// Every stage's input, then the output, for one image.
    func forward(_ x: [Double]) -> [[Double]] {
        var activations = [x]
        for stage in stages {
            let a = activations.last!
            switch stage {
            case let .linear(_, w, _, b):
                activations.append((0..<b.count).map { j in b[j] + (0..<a.count).reduce(0.0) { $0 + a[$1] * w[$1][j] } })
            case let .pool(_, windows, isMax):
                activations.append(windows.map { cells in
                    isMax ? cells.map { a[$0] }.max()! : cells.reduce(0.0) { $0 + a[$1] } / Double(cells.count)
                })
            case .relu:
                activations.append(a.map { max($0, 0) })
            case .reshape:
                activations.append(a)
            }
        }
        return activations
    }

    /// A rule for one linear stage: input activations a, the stage, relevance at the output → at the input.
    typealias LinearRule = (_ a: [Double], _ w: [[Double]], _ connected: [[Bool]], _ b: [Double], _ r: [Double]) -> [Double]

    static func sign(_ z: Double) -> Double { z >= 0 ? 1 : -1 }

    /// LRP-ε: R_i = Σ_j a_i w_ij / (z_j + ε sign z_j) R_j, z_j with the bias.
    static func epsilon(_ eps: Double) -> LinearRule {
        { a, w, _, b, r in
            let z = (0..<r.count).map { j in b[j] + (0..<a.count).reduce(0.0) { $0 + a[$1] * w[$1][j] } }
            return (0..<a.count).map { i in (0..<r.count).reduce(0.0) { $0 + a[i] * w[i][$1] / (z[$1] + eps * sign(z[$1])) * r[$1] } }
        }
    }

    /// LRP-αβ: R_i = Σ_j (α a_i w⁺_ij / z⁺_j − β a_i w⁻_ij / z⁻_j) R_j, z± with b±.
    static func alphaBeta(_ alpha: Double, _ beta: Double, stabilizer: Double = 1e-10) -> LinearRule {
        { a, w, _, b, r in
            let zp = (0..<r.count).map { j in max(b[j], 0) + (0..<a.count).reduce(0.0) { $0 + a[$1] * max(w[$1][j], 0) } }
            let zn = (0..<r.count).map { j in min(b[j], 0) + (0..<a.count).reduce(0.0) { $0 + a[$1] * min(w[$1][j], 0) } }
            func ratio(_ n: Double, _ d: Double) -> Double {
                let s = d + stabilizer * sign(d)
                return s == 0 ? 0 : n / s
            }
            return (0..<a.count).map { i in
                (0..<r.count).reduce(0.0) { total, j in
                    total + alpha * ratio(a[i] * max(w[i][j], 0), zp[j]) * r[j] - beta * ratio(a[i] * min(w[i][j], 0), zn[j]) * r[j]
                }
            }
        }
    }

    /// LRP-γ: R_i = Σ_j a_i (w_ij + γ w⁺_ij) / (Σ_i′ a_i′ (w + γw⁺) + b + γb⁺ ± ε) R_j.
    static func gamma(_ g: Double, stabilizer: Double = 1e-6) -> LinearRule {
        { a, w, _, b, r in
            func v(_ i: Int, _ j: Int) -> Double { w[i][j] + g * max(w[i][j], 0) }
            let z = (0..<r.count).map { j in b[j] + g * max(b[j], 0) + (0..<a.count).reduce(0.0) { $0 + a[$1] * v($1, j) } }
            return (0..<a.count).map { i in (0..<r.count).reduce(0.0) { $0 + a[i] * v(i, $1) / (z[$1] + stabilizer * sign(z[$1])) * r[$1] } }
        }
    }

    /// w²: R_i = Σ_j w_ij² / Σ_i′ w_i′j² R_j; flat: the same with every existing weight 1.
    static func squares(flat: Bool) -> LinearRule {
        { a, w, connected, _, r in
            func v(_ i: Int, _ j: Int) -> Double { flat ? (connected[i][j] ? 1 : 0) : w[i][j] * w[i][j] }
            let z = (0..<r.count).map { j in (0..<a.count).reduce(0.0) { $0 + v($1, j) } }
            return (0..<a.count).map { i in (0..<r.count).reduce(0.0) { $0 + v(i, $1) / (z[$1] + 1e-10) * r[$1] } }
        }
    }

    /// z^B: R_i = Σ_j (x_i w_ij − l w⁺_ij − h w⁻_ij) / Σ_i′(…) R_j (no bias).
    static func bounded(low: Double, high: Double) -> LinearRule {
        { x, w, _, _, r in
            func q(_ i: Int, _ j: Int) -> Double { x[i] * w[i][j] - low * max(w[i][j], 0) - high * min(w[i][j], 0) }
            let z = (0..<r.count).map { j in (0..<x.count).reduce(0.0) { $0 + q($1, j) } }
            return (0..<x.count).map { i in (0..<r.count).reduce(0.0) { $0 + q(i, $1) / (z[$1] + 1e-10 * sign(z[$1])) * r[$1] } }
        }
    }

    /// The relevance at the input: start from f(x) at class `c` of the last stage, then each
    /// linear stage by `rule(name, isInput)`, max pooling to the first maximal cell or in proportion
    /// (`proportionalPooling`), average pooling in proportion, ReLU and reshape unchanged.
    func relevance(_ x: [Double], class c: Int, rule: (_ name: String, _ isInput: Bool) -> LinearRule,
                   proportionalPooling: Bool) -> [Double] {
        let activations = forward(x)
        var r = [Double](repeating: 0, count: activations.last!.count)
        r[c] = activations.last![c]
        let firstLinear = stages.firstIndex { if case .linear = $0 { return true } else { return false } }!
        for (index, stage) in stages.enumerated().reversed() {
            let a = activations[index]
            switch stage {
            case let .linear(name, w, connected, b):
                r = rule(name, index == firstLinear)(a, w, connected, b, r)
            case let .pool(_, windows, isMax):
                var next = [Double](repeating: 0, count: a.count)
                for (j, cells) in windows.enumerated() {
                    if isMax && !proportionalPooling {
                        let winner = cells.first { a[$0] == cells.map { a[$0] }.max()! }!
                        next[winner] += r[j]
                    } else {
                        let total = cells.reduce(0.0) { $0 + a[$1] }
                        for i in cells { next[i] += a[i] / (total + Double(cells.count) * 1e-10) * r[j] }
                    }
                }
                r = next
            case .relu, .reshape:
                break
            }
        }
        return r
    }

    /// DeepLIFT (Linear and Rescale rules; max pooling by the actual input's gradient): the
    /// contributions (x − x⁰) ⊙ m for the logit of class `c`.
    func deepLift(_ x: [Double], reference x0: [Double], class c: Int) -> [Double] {
        let actual = forward(x), base = forward(x0)
        var m = [Double](repeating: 0, count: actual.last!.count)
        m[c] = 1
        for (index, stage) in stages.enumerated().reversed() {
            let a = actual[index], a0 = base[index]
            switch stage {
            case let .linear(_, w, _, _):
                m = (0..<a.count).map { i in (0..<m.count).reduce(0.0) { $0 + w[i][$1] * m[$1] } }
            case let .pool(_, windows, isMax):
                var next = [Double](repeating: 0, count: a.count)
                for (j, cells) in windows.enumerated() {
                    if isMax {
                        next[cells.first { a[$0] == cells.map { a[$0] }.max()! }!] += m[j]
                    } else {
                        for i in cells { next[i] += m[j] / Double(cells.count) }
                    }
                }
                m = next
            case .relu:
                m = (0..<a.count).map { i in
                    let dz = a[i] - a0[i]
                    return abs(dz) >= 1e-7 ? m[i] * (max(a[i], 0) - max(a0[i], 0)) / dz : (a[i] > 0 ? m[i] : 0)
                }
            case .reshape:
                break
            }
        }
        return (0..<x.count).map { (x[$0] - x0[$0]) * m[$0] }
    }

    /// DeepLIFT's RevealCancel, neuron by neuron: positive and negative parts forward, their
    /// multipliers backward, C = M⁺Δx⁺ + M⁻Δx⁻ (dense, conv, average pooling and ReLU stages).
    func revealCancel(_ x: [Double], reference x0: [Double], class c: Int) -> [Double] {
        let base = forward(x0)
        var p = zip(x, x0).map { max($0 - $1, 0) }, q = zip(x, x0).map { min($0 - $1, 0) }
        var parts: [([Double], [Double])] = []
        var slopes: [Int: ([Double], [Double])] = [:]
        for (index, stage) in stages.enumerated() {
            parts.append((p, q))
            switch stage {
            case let .linear(_, w, _, b):
                let outputs = b.count
                let np = (0..<outputs).map { j in (0..<p.count).reduce(0.0) { t, i in t + (w[i][j] > 0 ? w[i][j] * p[i] : w[i][j] * q[i]) } }
                let nq = (0..<outputs).map { j in (0..<p.count).reduce(0.0) { t, i in t + (w[i][j] > 0 ? w[i][j] * q[i] : w[i][j] * p[i]) } }
                (p, q) = (np, nq)
            case let .pool(_, windows, _):
                (p, q) = (windows.map { cells in cells.reduce(0.0) { $0 + p[$1] } / Double(cells.count) },
                          windows.map { cells in cells.reduce(0.0) { $0 + q[$1] } / Double(cells.count) })
            case .relu:
                let z0 = base[index]
                func f(_ v: Double) -> Double { max(v, 0) }
                let up = (0..<z0.count).map { i in 0.5 * (f(z0[i] + p[i]) - f(z0[i])) + 0.5 * (f(z0[i] + p[i] + q[i]) - f(z0[i] + q[i])) }
                let down = (0..<z0.count).map { i in 0.5 * (f(z0[i] + q[i]) - f(z0[i])) + 0.5 * (f(z0[i] + p[i] + q[i]) - f(z0[i] + p[i])) }
                slopes[index] = ((0..<z0.count).map { p[$0] != 0 ? up[$0] / p[$0] : 0 }, (0..<z0.count).map { q[$0] != 0 ? down[$0] / q[$0] : 0 })
                (p, q) = (up, down)
            case .reshape:
                break
            }
        }
        var mp = [Double](repeating: 0, count: p.count)
        mp[c] = 1
        var mq = mp
        for (index, stage) in stages.enumerated().reversed() {
            let count = parts[index].0.count
            switch stage {
            case let .linear(_, w, _, _):
                let np = (0..<count).map { i in (0..<mp.count).reduce(0.0) { t, j in t + (w[i][j] > 0 ? w[i][j] * mp[j] : w[i][j] * mq[j]) } }
                let nq = (0..<count).map { i in (0..<mp.count).reduce(0.0) { t, j in t + (w[i][j] > 0 ? w[i][j] * mq[j] : w[i][j] * mp[j]) } }
                (mp, mq) = (np, nq)
            case let .pool(_, windows, _):
                var np = [Double](repeating: 0, count: count), nq = np
                for (j, cells) in windows.enumerated() {
                    for i in cells {
                        np[i] += mp[j] / Double(cells.count)
                        nq[i] += mq[j] / Double(cells.count)
                    }
                }
                (mp, mq) = (np, nq)
            case .relu:
                let (sp, sq) = slopes[index]!
                (mp, mq) = ((0..<count).map { mp[$0] * sp[$0] }, (0..<count).map { mq[$0] * sq[$0] })
            case .reshape:
                break
            }
        }
        let (p0, q0) = parts[0]
        return (0..<x.count).map { mp[$0] * p0[$0] + mq[$0] * q0[$0] }
    }
}
