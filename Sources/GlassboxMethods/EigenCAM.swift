import GlassboxEngine
import GlassboxModels

/// Eigen-CAM (Muhammad & Yeasin 2020): no gradients and no class. The feature maps, as a matrix
/// of positions × maps with centred columns, projected on their first principal component.
public struct EigenCAM: ClassActivationMethod {
    public static let declaration = MethodDeclaration(
        id: "eigenCAM", title: "Eigen-CAM",
        citation: "Muhammad & Yeasin (2020), Eigen-CAM: class activation map using principal components, IJCNN",
        summary: "Eigen-CAM: the feature maps (positions × maps, columns centred) projected on their first principal component; class-agnostic.",
        details: "The map does not depend on the target (every class gets the same map). The sign of a principal component is "
            + "arbitrary; it is chosen so that the map correlates positively with the sum of the maps, then the ReLU keeps the "
            + "positive part (as pytorch-grad-cam, which centres the maps too). Same layer choice and display as gradCAM.",
        options: [.featureLayer, .camReLU], display: .classActivation, acceptsLayerTargets: false,
        example: "eigenCAM(net, xs)", page: "eigen-cam.md",
        figure: "eigenCAM(model(\"clut-fc\"), dataset(\"cluttered-mnist\").train.perDigit(index: 5), target: \"label\")")

    public var model: ExplainedModel
    public let featureLayer: FeatureLayer
    public var relu: Bool

    public init(_ model: ExplainedModel, layer: String? = nil, relu: Bool = true) throws {
        self.model = model
        featureLayer = try model.featureLayer(named: layer, method: Self.declaration.title)
        self.relu = relu
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, layer: options.optionalString("layer"), relu: options.bool("relu"))
    }

    public var usesGradients: Bool { false }
    public var settings: [MethodSetting] { relu ? [] : [MethodSetting("relu", "no")] }

    public func coarseMaps(_ maps: FeatureMaps, monitor: WorkMonitor) throws -> [Float] {
        try maps.principalProjections { a, _ in a }
    }
}

extension FeatureMaps {
    /// Per image: the matrix M[p, k] = value(A_k(p), g_k(p)) projected on its first principal
    /// component (`PrincipalProjection`).
    func principalProjections(_ value: (_ a: Double, _ g: Double) -> Double) throws -> [Float] {
        let (channels, positions) = (layer.channels, layer.positions)
        var maps = [Float](repeating: 0, count: count * positions)
        for i in 0..<count {
            let a = image(i, of: activations)
            let g = gradients.map { image(i, of: $0) }
            var matrix = [Double](repeating: 0, count: positions * channels)
            for k in 0..<channels {
                for p in 0..<positions {
                    let j = k * positions + p
                    matrix[p * channels + k] = value(Double(a[a.startIndex + j]), g.map { Double($0[$0.startIndex + j]) } ?? 0)
                }
            }
            let projection = PrincipalProjection.project(matrix, rows: positions, columns: channels)
            for p in 0..<positions { maps[i * positions + p] = Float(projection[p]) }
        }
        return maps
    }
}
