import GlassboxEngine
import GlassboxModels

extension ExplainedModel {
    /// Runs one backward walk per image under `rules` and turns (signal, input) into attributions
    /// value by value; the shared body of the single-pass methods.
    func explainBySignal(_ inputs: Tensor, targets: Target, rules: RuleSet, method: String,
                         settings: [MethodSetting], monitor: WorkMonitor,
                         combine: (_ signal: Float, _ input: Float) -> Float) throws -> Explanation {
        try checkInputs(inputs, method: method)
        let resolved = try resolve(targets, inputs: inputs, method: method, monitor: monitor)
        let (signal, outputs) = try signals(inputs, targets: resolved, rules: rules, task: method, monitor: monitor)
        var values = [Float](repeating: 0, count: inputs.count)
        signal.scalars.withUnsafeBufferPointer { g in
            inputs.scalars.withUnsafeBufferPointer { x in
                values.withUnsafeMutableBufferPointer { out in
                    for i in 0..<out.count { out[i] = combine(g[i], x[i]) }
                }
            }
        }
        return Explanation(attributions: Tensor(shape: inputs.shape, scalars: values), inputs: inputs,
                           targets: resolved.indices, targetLayer: resolved.layer, output: output, outputs: outputs,
                           method: method, settings: settings)
    }
}
