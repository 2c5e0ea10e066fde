import GlassboxEngine

/// Updates parameters from their accumulated gradients, one step at a time.
///
/// State (moments, velocities) is kept per parameter object, so one optimiser serves one model.
public protocol Optimizer: Sendable {
    /// The number of steps taken so far.
    var stepCount: Int { get }
    /// Applies one update to every parameter from its `gradient` (which it does not reset).
    mutating func step(_ parameters: [Parameter])
}

/// Adam exactly as TensorFlow 1.x's `AdamOptimizer`: with t the step number,
/// m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², and
/// θ ← θ − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε).
/// (PyTorch adds ε to the bias-corrected √v instead; the difference only shows when √v ≈ ε.)
public struct Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public private(set) var stepCount = 0
    private var firstMoments: [ObjectIdentifier: [Float]] = [:]
    private var secondMoments: [ObjectIdentifier: [Float]] = [:]

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public mutating func step(_ parameters: [Parameter]) {
        stepCount += 1
        let t = Double(stepCount)
        let correction = (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t))
        let rate = Float(Double(learningRate) * correction)
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for parameter in parameters {
            let key = ObjectIdentifier(parameter)
            let count = parameter.value.count
            var m = firstMoments.removeValue(forKey: key) ?? [Float](repeating: 0, count: count)
            var v = secondMoments.removeValue(forKey: key) ?? [Float](repeating: 0, count: count)
            precondition(m.count == count, "parameter \(parameter.name) changed size between Adam steps")
            parameter.gradient.scalars.withUnsafeBufferPointer { g in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        parameter.value.scalars.withUnsafeMutableBufferPointer { theta in
                            for i in 0..<count {
                                let gi = g[i]
                                let mi = b1 * m[i] + (1 - b1) * gi
                                let vi = b2 * v[i] + (1 - b2) * gi * gi
                                m[i] = mi
                                v[i] = vi
                                theta[i] -= rate * mi / (vi.squareRoot() + eps)
                            }
                        }
                    }
                }
            }
            firstMoments[key] = m
            secondMoments[key] = v
        }
    }
}

/// Stochastic gradient descent with optional heavy-ball momentum (TensorFlow's
/// `MomentumOptimizer`, PyTorch's `SGD`): u ← μ·u + g; θ ← θ − lr·u. With μ = 0: θ ← θ − lr·g.
public struct SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public private(set) var stepCount = 0
    private var velocities: [ObjectIdentifier: [Float]] = [:]

    public init(learningRate: Float, momentum: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public mutating func step(_ parameters: [Parameter]) {
        stepCount += 1
        let (rate, mu) = (learningRate, momentum)
        for parameter in parameters {
            let count = parameter.value.count
            if mu == 0 {
                parameter.gradient.scalars.withUnsafeBufferPointer { g in
                    parameter.value.scalars.withUnsafeMutableBufferPointer { theta in
                        for i in 0..<count { theta[i] -= rate * g[i] }
                    }
                }
                continue
            }
            let key = ObjectIdentifier(parameter)
            var u = velocities.removeValue(forKey: key) ?? [Float](repeating: 0, count: count)
            parameter.gradient.scalars.withUnsafeBufferPointer { g in
                u.withUnsafeMutableBufferPointer { u in
                    parameter.value.scalars.withUnsafeMutableBufferPointer { theta in
                        for i in 0..<count {
                            let ui = mu * u[i] + g[i]
                            u[i] = ui
                            theta[i] -= rate * ui
                        }
                    }
                }
            }
            velocities[key] = u
        }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
