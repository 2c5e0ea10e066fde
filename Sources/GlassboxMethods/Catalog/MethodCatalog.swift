/// Every explanation method, listed once. The language makes one builtin per entry (with its help,
/// Shift-Tab and completion), and the docs index, the docs figures and the catalog tests come
/// from the same list: adding a method is its file plus one line here.
public enum MethodCatalog {
    public static var all: [any AttributionMethod.Type] {
        [
            SensitivityAnalysis.self, Saliency.self, GradientTimesInput.self, Deconvnet.self, GuidedBackprop.self,
            IntegratedGradients.self, SmoothGrad.self, NoiseTunnel.self,
            LRP.self, LRPEpsilon.self, LRPAlphaBeta.self, DeepTaylor.self, DeepLift.self, DeepLiftRevealCancel.self,
            CAM.self, GradCAM.self, GuidedGradCAM.self, GradCAMPlusPlus.self, HiResCAM.self, XGradCAM.self, LayerCAM.self,
            GradCAMElementWise.self, ScoreCAM.self, AblationCAM.self, EigenCAM.self, EigenGradCAM.self,
            Occlusion.self, LIME.self, KernelSHAP.self, MeaningfulPerturbation.self,
            PatternNet.self, PatternAttribution.self,
        ]
    }

    /// Declarations of the other methods (not attribution maps of one image: class prototypes,
    /// feature visualisation), for the docs index and figures; their builtins are written by hand in
    /// the language's binding groups (the catalog test checks that each has one).
    public static let otherDeclarations: [MethodDeclaration] = [ClassPrototype.declaration, FeatureVisualization.declaration]

    /// Every declaration: the attribution methods, then the others.
    public static var declarations: [MethodDeclaration] { all.map { $0.declaration } + otherDeclarations }

    /// The method whose id is `id`.
    public static func method(_ id: String) -> (any AttributionMethod.Type)? {
        all.first { $0.declaration.id == id }
    }
}
