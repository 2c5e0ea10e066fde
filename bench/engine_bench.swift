// Engine benchmark: per-layer forward/backward timings and images/second of one training step
// (forward + softmax cross-entropy gradient + backward with parameter gradients, batch 100) for
// the zoo networks CNN-MAX-B, CNN-DO, ALLCONV, CNN-STRIDE and MLP-A, plus a single large sgemm
// rate for comparison. Built by bench/engine_bench.sh from the Engine and Layers sources only
// (no swift-crypto), in -O. Times are medians of `repeats` runs; nothing is asserted.
import COpenBLAS
import Foundation
import GlassboxEngine

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// CPU time of the calling thread (robust to other processes on a shared machine; with
/// OPENBLAS_NUM_THREADS=1 it covers all the work of a step).
func threadCPU() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func conv(_ name: String, _ i: Int, _ o: Int, _ k: Int, _ s: Int, _ rng: inout SeededRandom) -> any Layer {
    Conv2D(name: name, inChannels: i, outChannels: o, kernel: (k, k), stride: (s, s), padding: .same, bias: true, rng: &rng)
}

func poolingCNN(dropout: Bool, average: Bool = false, _ rng: inout SeededRandom) -> [any Layer] {
    var layers: [any Layer] = []
    var channels = 1
    for (index, width) in [32, 64, 128].enumerated() {
        let n = index + 1
        layers.append(conv("conv\(n)", channels, width, 3, 1, &rng))
        layers.append(ReLU(name: "relu\(n)"))
        layers.append(average ? AvgPool2D(name: "pool\(n)", window: (2, 2), stride: (2, 2), padding: .same)
                      : MaxPool2D(name: "pool\(n)", window: (2, 2), stride: (2, 2), padding: .same))
        if dropout { layers.append(Dropout(name: "dropout\(n)", rate: 0.7)) }
        channels = width
    }
    layers.append(Flatten(name: "flatten"))
    layers.append(Dense(name: "fc1", inputs: 2048, outputs: 625, bias: true, rng: &rng))
    layers.append(ReLU(name: "relu4"))
    if dropout { layers.append(Dropout(name: "dropout4", rate: 0.5)) }
    layers.append(Dense(name: "logits", inputs: 625, outputs: 10, bias: true, rng: &rng))
    return layers
}

func model(_ name: String) throws -> Sequential {
    var rng = SeededRandom(seed: 7)
    let layers: [any Layer]
    switch name {
    case "cnn-max-b": layers = poolingCNN(dropout: false, &rng)
    case "cnn-do": layers = poolingCNN(dropout: true, &rng)
    case "cnn-avg": layers = poolingCNN(dropout: false, average: true, &rng)  // CNN-AVG-NB, with biases
    case "allconv":
        var ls: [any Layer] = []
        var c = 1
        for (n, (w, k, s)) in [(32, 3, 1), (32, 2, 2), (64, 3, 1), (64, 2, 2), (128, 3, 1), (128, 1, 1), (10, 1, 1)].enumerated() {
            ls.append(conv("conv\(n + 1)", c, w, k, s, &rng))
            ls.append(ReLU(name: "relu\(n + 1)"))
            c = w
        }
        ls.append(GlobalAvgPool2D(name: "logits"))
        layers = ls
    case "cnn-stride":
        layers = [conv("conv1", 1, 32, 4, 2, &rng), ReLU(name: "relu1"), conv("conv2", 32, 64, 4, 2, &rng),
                  ReLU(name: "relu2"), Dropout(name: "dropout2", rate: 0.25), Flatten(name: "flatten"),
                  Dense(name: "fc1", inputs: 64 * 7 * 7, outputs: 128, bias: true, rng: &rng), ReLU(name: "relu3"),
                  Dropout(name: "dropout3", rate: 0.5), Dense(name: "logits", inputs: 128, outputs: 10, bias: true, rng: &rng)]
    case "mlp-a":
        layers = [Flatten(name: "flatten"), Dense(name: "fc1", inputs: 784, outputs: 512, bias: true, rng: &rng),
                  ReLU(name: "relu1"), Dense(name: "fc2", inputs: 512, outputs: 100, bias: true, rng: &rng),
                  ReLU(name: "relu2"), Dense(name: "logits", inputs: 100, outputs: 10, bias: true, rng: &rng)]
    default: fatalError("unknown model \(name)")
    }
    return try Sequential(layers: layers, inputShape: [1, 28, 28])
}

/// ∂ mean cross-entropy / ∂ logits = (softmax − onehot) / N.
func lossGradient(_ logits: Tensor, _ labels: [Int]) throws -> Tensor {
    var p = try Activations.softmax(logits)
    let (n, k) = (logits.shape[0], logits.shape[1])
    for i in 0..<n { p.scalars[i * k + labels[i]] -= 1 }
    for i in p.scalars.indices { p.scalars[i] /= Float(n) }
    return p
}

@main
struct EngineBench {
    static func main() throws {
        let batch = 100
        let repeats = Int(ProcessInfo.processInfo.environment["BENCH_REPEATS"] ?? "") ?? 7
        var rng = SeededRandom(seed: 1)
        let images = Tensor(shape: [batch, 1, 28, 28], scalars: (0..<(batch * 784)).map { _ in rng.nextUniform() })
        let labels = (0..<batch).map { $0 % 10 }

        // Single large sgemm reference rate.
        do {
            let s = 1024
            let a = [Float](repeating: 0.5, count: s * s), b = [Float](repeating: 0.25, count: s * s)
            var c = [Float](repeating: 0, count: s * s)
            var times: [Double] = []
            for _ in 0..<5 {
                let t0 = now()
                a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                    MatrixProduct.gemm(pa.baseAddress!, transposeA: false, pb.baseAddress!, transposeB: false, pc.baseAddress!,
                                       m: s, n: s, k: s)
                } } }
                times.append(now() - t0)
            }
            print(String(format: "sgemm 1024³: %.1f GFLOP/s (OpenBLAS threads %d)", 2 * Double(s * s * s) / median(times) / 1e9,
                         openblas_get_num_threads()))
        }

        // sgemm alone at the shapes the CNN-MAX-B layers use (conv: [O × k]·[k × chunk·S]).
        if ProcessInfo.processInfo.environment["BENCH_SHAPES"] != nil {
            for (label, m, n, k, ta, tb) in [("conv2 fwd", 64, 1960, 288, false, false), ("conv2 dW", 64, 288, 1960, false, true),
                                            ("conv2 dX", 288, 1960, 64, true, false), ("conv3 fwd", 128, 1960, 576, false, false),
                                            ("conv2 fwd whole batch", 64, 19600, 288, false, false),
                                            ("conv2 dW whole batch", 64, 288, 19600, false, true),
                                            ("conv1 fwd", 32, 1568, 9, false, false), ("fc1 fwd", 100, 625, 2048, false, true)] {
                let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
                var c = [Float](repeating: 0, count: m * n)
                var times: [Double] = []
                for _ in 0..<20 {
                    let t0 = now()
                    a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                        MatrixProduct.gemm(pa.baseAddress!, transposeA: ta, pb.baseAddress!, transposeB: tb, pc.baseAddress!,
                                           m: m, n: n, k: k)
                    } } }
                    times.append(now() - t0)
                }
                print(String(format: "  sgemm %@ (%d×%d×%d): %.3f ms, %.1f GFLOP/s", label, m, n, k, median(times) * 1e3,
                             2 * Double(m * n * k) / median(times) / 1e9))
            }
        }

        // Explanation path: forward (not training) + input-gradient backward (no parameter gradients),
        // per layer, at several batch sizes; ms per image-pass is what IG and SmoothGrad pay per row.
        if ProcessInfo.processInfo.environment["BENCH_EXPLAIN"] != nil {
            let names = CommandLine.arguments.count > 1 ? Array(CommandLine.arguments.dropFirst()) : ["cnn-max-b"]
            for name in names {
                let net = try model(name)
                let batches = (ProcessInfo.processInfo.environment["BENCH_BATCHES"] ?? "100,128")
                    .split(separator: ",").compactMap { Int($0) }
                for batch in batches {
                    var irng = SeededRandom(seed: 5)
                    let x = Tensor(shape: [batch, 1, 28, 28], scalars: (0..<(batch * 784)).map { _ in irng.nextUniform() })
                    let seed = try oneHotSeed(targets: (0..<batch).map { $0 % 10 }, classes: 10)
                    var forwardTimes = [[Double]](repeating: [], count: net.layers.count)
                    var backwardTimes = [[Double]](repeating: [], count: net.layers.count)
                    var passTimes: [Double] = []
                    var trainTimes: [Double] = []
                    let trainLabels = (0..<batch).map { $0 % 10 }
                    for r in 0..<(repeats + 1) {
                        net.zeroGradients()
                        let tt = now()
                        let trainRecord = try net.forwardRecording(x, training: false)
                        try net.accumulateParameterGradients(trainRecord, outputGradient: try lossGradient(trainRecord.output, trainLabels))
                        if r > 0 { trainTimes.append(now() - tt) }
                        let context = ForwardContext(training: false)
                        var current = x
                        var steps: [LayerStep] = []
                        for (i, layer) in net.layers.enumerated() {
                            let t0 = now()
                            let out = try layer.forward(current, context: context)
                            if r > 0 { forwardTimes[i].append(now() - t0) }
                            steps.append(LayerStep(layer: layer, index: i, input: current, output: out, auxiliary: nil))
                            current = out
                        }
                        var signal = seed
                        for i in stride(from: net.layers.count - 1, through: 0, by: -1) {
                            let t0 = now()
                            signal = try net.layers[i].backward(signal, step: steps[i], accumulateParameterGradients: false)
                            if r > 0 { backwardTimes[i].append(now() - t0) }
                        }
                        let t0 = now()
                        let record = try net.forwardRecording(x, training: false)
                        _ = try net.backward(record, seed: seed, rules: .gradient).inputSignal
                        if r > 0 { passTimes.append(now() - t0) }
                    }
                    // Minima: the machine is shared, the fastest run is the least disturbed one.
                    let pass = passTimes.min()!, train = trainTimes.min()!
                    print(String(format: "\n%@ batch %d: explanation pass %.1f ms (%.3f ms per image); training step %.1f ms (%.3f ms per image)",
                                 name, batch, pass * 1e3, pass * 1e3 / Double(batch), train * 1e3, train * 1e3 / Double(batch)))
                    for (i, layer) in net.layers.enumerated() {
                        print(String(format: "  %-9@ %-13@ fwd %7.2f ms  bwd %7.2f ms", layer.name, layer.kind,
                                     forwardTimes[i].min()! * 1e3, backwardTimes[i].min()! * 1e3))
                    }
                }
            }
            return
        }

        let names = CommandLine.arguments.count > 1 ? Array(CommandLine.arguments.dropFirst())
            : ["cnn-max-b", "cnn-do", "allconv", "cnn-stride", "mlp-a"]
        for name in names {
            let net = try model(name)
            var forwardTimes = [[Double]](repeating: [], count: net.layers.count)
            var backwardTimes = [[Double]](repeating: [], count: net.layers.count)
            var stepTimes: [Double] = []
            var cpuTimes: [Double] = []
            var drop = SeededRandom(seed: 3)
            for r in 0..<(repeats + 1) {
                net.zeroGradients()
                let start = now()
                let cpuStart = threadCPU()
                // Forward, timing each layer (the same work as Sequential.forwardRecording).
                let context = ForwardContext(training: true, rng: drop)
                var current = images
                var steps: [LayerStep] = []
                for (i, layer) in net.layers.enumerated() {
                    context.auxiliary = nil
                    let t0 = now()
                    let out = try layer.forward(current, context: context)
                    if r > 0 { forwardTimes[i].append(now() - t0) }
                    steps.append(LayerStep(layer: layer, index: i, input: current, output: out, auxiliary: context.auxiliary))
                    current = out
                }
                drop = context.rng
                let record = ForwardRecord(input: images, steps: steps)
                var signal = try lossGradient(record.output, labels)
                // Backward with parameter gradients, timing each layer (as Sequential.backward(_:outputGradient:)).
                for i in stride(from: net.layers.count - 1, through: 0, by: -1) {
                    let t0 = now()
                    signal = try net.layers[i].backward(signal, step: steps[i], accumulateParameterGradients: true)
                    if r > 0 { backwardTimes[i].append(now() - t0) }
                }
                if r > 0 {
                    stepTimes.append(now() - start)
                    cpuTimes.append(threadCPU() - cpuStart)
                }
                // The library path must agree with the timed walk.
                if r == 0 {
                    net.zeroGradients()
                    var again = SeededRandom(seed: 3)
                    let rec = try net.forwardRecording(images, training: true, rng: &again)
                    _ = try net.backward(rec, outputGradient: try lossGradient(rec.output, labels))
                }
            }
            // The library's training pass: forwardRecording + loss gradient + accumulateParameterGradients
            // (skips the unused input gradient of the lowest layer with parameters).
            var trainingTimes: [Double] = []
            for _ in 0..<repeats {
                net.zeroGradients()
                let t0 = now()
                let rec = try net.forwardRecording(images, training: true, rng: &drop)
                try net.accumulateParameterGradients(rec, outputGradient: try lossGradient(rec.output, labels))
                trainingTimes.append(now() - t0)
            }
            let training = median(trainingTimes)
            print(String(format: "\n%@: training step (accumulateParameterGradients) %.1f ms, %.0f images/s", name,
                         training * 1e3, Double(batch) / training))
            let step = median(stepTimes)
            print(String(format: "%@: full backward step %.1f ms, %.0f images/s (batch %d, median of %d); main-thread CPU %.1f ms",
                         name, step * 1e3, Double(batch) / step, batch, repeats, median(cpuTimes) * 1e3))
            var total = 0.0
            for (i, layer) in net.layers.enumerated() {
                let f = median(forwardTimes[i]), b = median(backwardTimes[i])
                total += f + b
                print(String(format: "  %-9@ %-13@ fwd %7.2f ms  bwd %7.2f ms", layer.name, layer.kind, f * 1e3, b * 1e3))
            }
            print(String(format: "  layers total %.1f ms, other %.1f ms", total * 1e3, (step - total) * 1e3))
            if name == "mlp-a" {
                let flops = 2.0 * Double(batch) * Double(784 * 512 + 512 * 100 + 100 * 10) * 3 - 2.0 * Double(batch * 784 * 512)
                print(String(format: "  dense training step: %.1f GFLOP/s (%.0f MFLOP without the input gradient)",
                             flops / training / 1e9, flops / 1e6))
            }
        }
    }
}
