import GlassboxEngine
import GlassboxModels

/// Choosing feature maps to project (chapter 3.1).
public enum FeatureChannels {
    /// The total activation of each channel of `layer` over the batch and all positions.
    public static func totals(of model: ExplainedModel, inputs: Tensor, layer: String,
                              monitor: WorkMonitor = .none) throws -> [Double] {
        let method = "feature channels"
        try model.checkInputs(inputs, method: method)
        let channels = try model.channelCount(of: layer, method: method)
        var totals = [Double](repeating: 0, count: channels)
        let n = inputs.shape[0]
        let rows = try model.rowsPerPass(group: 1, withReference: false)
        for start in stride(from: 0, to: n, by: rows) {
            try monitor.cancellation.check()
            let record = try model.network.forwardRecording(inputs.rows(start..<Swift.min(n, start + rows)),
                                                            training: false)
            let activation = try record.output(of: layer)
            let rows = activation.shape[0]
            let spatial = activation.count / Swift.max(rows * channels, 1)
            activation.scalars.withUnsafeBufferPointer { a in
                for i in 0..<rows {
                    for c in 0..<channels {
                        let base = (i * channels + c) * spatial
                        var total = 0.0
                        for j in base..<(base + spatial) { total += Double(a[j]) }
                        totals[c] += total
                    }
                }
            }
        }
        return totals
    }

    /// The `count` channels of `layer` with the largest total activation over the batch and all
    /// positions, largest first (ties: lower index first).
    ///
    /// Chapter 3.1 intends the same but calls `argpartition(totals, −4)` and keeps the last five
    /// indices, which only guarantees the top four (the fifth is an arbitrary channel below the
    /// partition point), then sorts them by index. This returns the true top `count`.
    public static func strongest(_ count: Int, of model: ExplainedModel, inputs: Tensor, layer: String,
                                 monitor: WorkMonitor = .none) throws -> [Int] {
        let totals = try totals(of: model, inputs: inputs, layer: layer, monitor: monitor)
        guard count >= 1, count <= totals.count else {
            throw MethodError.invalidTarget(method: "feature channels",
                                            message: "cannot pick \(count) of the \(totals.count) channels of '\(layer)'")
        }
        let order = totals.indices.sorted { totals[$0] != totals[$1] ? totals[$0] > totals[$1] : $0 < $1 }
        return Array(order.prefix(count))
    }
}
