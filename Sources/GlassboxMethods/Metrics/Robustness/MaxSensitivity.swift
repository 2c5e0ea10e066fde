import GlassboxEngine

/// Max-sensitivity: the largest relative change of the map over small uniform perturbations of the
/// image (see `SensitivitySampling`); lower is more robust.
///
/// From Yeh, Hsieh, Suggala, Inouye & Ravikumar (2019), On the (in)fidelity and sensitivity of
/// explanations, NeurIPS (Captum's `sensitivity_max`, Quantus' `MaxSensitivity`).
public struct MaxSensitivity: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "maxSensitivity", title: "Max-sensitivity", category: .robustness,
        citation: "Yeh, Hsieh, Suggala, Inouye & Ravikumar (2019), On the (in)fidelity and sensitivity of explanations, NeurIPS (Captum's sensitivity_max)",
        summary: "The largest relative change ‖R(x + δ) − R(x)‖ / ‖R(x)‖ over uniform noise δ in [−radius, radius]: lower is more robust.",
        formula: "\\mathrm{SENS}_{\\max}(R, x) = \\max_{j=1..n} \\frac{\\lVert R(x + \\delta_j) - R(x) \\rVert_2}{\\lVert R(x) \\rVert_2},\\quad \\delta_j \\sim \\mathcal{U}[-r, r]^d",
        details: "As Captum's sensitivity_max with its defaults (10 samples, radius 0.02, Frobenius norm, divided by the norm of "
            + "the unperturbed map, or by 1 when that is zero). Each noisy copy is explained for the image's class; the copies of a "
            + "group of images are explained in one call. Max- and average sensitivity with the same options share their samples "
            + "in compareMethods.",
        direction: .lowerIsBetter, options: SensitivitySampling.options,
        example: "maxSensitivity(net, xs, method: \"smoothGrad\").mean")

    var sampling: SensitivitySampling

    public init(samples: Int = 10, radius: Float = 0.02, seed: UInt64 = 0) throws {
        sampling = try SensitivitySampling(samples: samples, radius: radius, seed: seed, metric: Self.declaration.title)
    }

    public init(options: MethodOptions) throws {
        try self.init(samples: options.int("samples"), radius: options.float("radius"), seed: options.seed("seed"))
    }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let changes = try sampling.relativeChanges(subject, metric: Self.declaration.title, task: task(subject), monitor: monitor)
        return result(subject, scores: changes.map { Float($0.max() ?? 0) })
    }
}
