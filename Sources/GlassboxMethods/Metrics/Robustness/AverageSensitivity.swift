import GlassboxEngine

/// Average sensitivity: the mean relative change of the map over small uniform perturbations of the
/// image (see `SensitivitySampling`); lower is more robust. Less dominated by one unlucky sample
/// than max-sensitivity.
///
/// From Yeh, Hsieh, Suggala, Inouye & Ravikumar (2019), On the (in)fidelity and sensitivity of
/// explanations, NeurIPS (Quantus' `AvgSensitivity`).
public struct AverageSensitivity: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "avgSensitivity", title: "Average sensitivity", category: .robustness,
        citation: "Yeh, Hsieh, Suggala, Inouye & Ravikumar (2019), On the (in)fidelity and sensitivity of explanations, NeurIPS",
        summary: "The mean relative change ‖R(x + δ) − R(x)‖ / ‖R(x)‖ over uniform noise δ in [−radius, radius]: lower is more robust.",
        formula: "\\mathrm{SENS}_{\\text{avg}}(R, x) = \\frac{1}{n}\\sum_{j=1}^{n} \\frac{\\lVert R(x + \\delta_j) - R(x) \\rVert_2}{\\lVert R(x) \\rVert_2},\\quad \\delta_j \\sim \\mathcal{U}[-r, r]^d",
        details: "The same samples as max-sensitivity (same options, same seed: the same noisy copies), averaged instead of maximised.",
        direction: .lowerIsBetter, options: SensitivitySampling.options,
        example: "avgSensitivity(net, xs, method: \"saliency\", samples: 20).mean")

    var sampling: SensitivitySampling

    public init(samples: Int = 10, radius: Float = 0.02, seed: UInt64 = 0) throws {
        sampling = try SensitivitySampling(samples: samples, radius: radius, seed: seed, metric: Self.declaration.title)
    }

    public init(options: MethodOptions) throws {
        try self.init(samples: options.int("samples"), radius: options.float("radius"), seed: options.seed("seed"))
    }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let changes = try sampling.relativeChanges(subject, metric: Self.declaration.title, task: task(subject), monitor: monitor)
        return result(subject, scores: changes.map { Float($0.reduce(0, +) / Double(max($0.count, 1))) })
    }
}
