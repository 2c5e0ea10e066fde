/// Every evaluation metric, listed once. The language makes one builtin per entry (with its help,
/// Shift-Tab and completion), `compareMethods` knows the metrics by these ids, and docs/metrics.md
/// is generated from the same list: adding a metric is its file plus one line here.
public enum MetricCatalog {
    public static var all: [any ExplanationMetric.Type] {
        [
            RegionPerturbation.self, Deletion.self, Insertion.self, ROAD.self, FaithfulnessCorrelation.self, Infidelity.self,
            MaxSensitivity.self, AverageSensitivity.self, LocalLipschitz.self, TranslationContinuity.self,
            ModelRandomisation.self, DataRandomisation.self,
            Sparseness.self, Entropy.self,
            PointingGame.self, EnergyInBox.self, BoxIoU.self,
        ]
    }

    /// The metric whose id is `id`.
    public static func metric(_ id: String) -> (any ExplanationMetric.Type)? {
        all.first { $0.declaration.id == id }
    }

    /// The ids, in catalog order.
    public static var ids: [String] { all.map { $0.declaration.id } }
}
