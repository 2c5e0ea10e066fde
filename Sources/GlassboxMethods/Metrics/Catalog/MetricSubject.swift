import GlassboxData
import GlassboxEngine
import GlassboxModels

/// What a metric scores: a model, an explainer, the images and the class followed for each image,
/// with the explanation of the unmodified images kept once for all the metrics of a comparison.
///
/// `freshNetwork(seed)` builds a freshly initialised network of the model's architecture (the
/// model-randomisation metric copies trained layers into it); nil when the architecture is not
/// known. `randomLabelNetwork` trains that architecture on permuted labels (the data-randomisation
/// metric); nil when the model's training data is unknown. `boxes` are the images' digit boxes
/// (ink and frame) for the localisation metrics; nil when the images do not carry them.
public final class MetricSubject {
    public let model: ExplainedModel
    public let explainer: Explainer
    /// The images, [N] + the model's input shape.
    public let inputs: Tensor
    /// The class followed for each image.
    public let targets: [Int]
    public let freshNetwork: ((UInt64) throws -> Sequential)?
    public let randomLabelNetwork: ((RandomLabelTraining, WorkMonitor) throws -> Sequential)?
    public let boxes: [DigitBoxes]?

    private var original: Explainer.Output?
    private var originalOutputs: [Float]?
    private var memo: [String: Any] = [:]

    /// Checks the images and targets; `targets` nil follows each image's predicted class.
    public init(model: ExplainedModel, explainer: Explainer, inputs: Tensor, targets: [Int]? = nil,
                freshNetwork: ((UInt64) throws -> Sequential)? = nil,
                randomLabelNetwork: ((RandomLabelTraining, WorkMonitor) throws -> Sequential)? = nil,
                boxes: [DigitBoxes]? = nil, monitor: WorkMonitor = .none) throws {
        try model.checkInputs(inputs, method: "metric")
        let classes = try targets ?? model.predictedClasses(inputs, monitor: monitor)
        _ = try model.resolve(.classes(classes), inputs: inputs, method: "metric")
        self.model = model
        self.explainer = explainer
        self.inputs = inputs
        self.targets = classes
        self.freshNetwork = freshNetwork
        self.randomLabelNetwork = randomLabelNetwork
        if let boxes, boxes.count != inputs.shape[0] {
            throw MethodError.invalidOption(method: "metric", message: "\(boxes.count) digit boxes for \(inputs.shape[0]) images")
        }
        self.boxes = boxes
    }

    /// Where an image's digit is: the tight box of its ink and its whole frame.
    public struct DigitBoxes: Sendable, Equatable {
        public var ink: PixelBox
        public var frame: PixelBox
        public init(ink: PixelBox, frame: PixelBox) {
            self.ink = ink
            self.frame = frame
        }
    }

    /// The number of images.
    public var count: Int { inputs.shape[0] }

    /// Values per image.
    public var valuesPerImage: Int { inputs.valuesPerRow }

    /// The maps of the unmodified images (computed once).
    public func maps(monitor: WorkMonitor, metric: String) throws -> Tensor {
        if let original { return original.maps }
        let output = try explainer.checkedOutput(model, inputs, targets: targets, monitor: monitor, metric: metric)
        original = output
        return output.maps
    }

    /// f of the unmodified images for their classes (computed once; from the explainer's own pass
    /// when it gives them).
    public func outputs(monitor: WorkMonitor) throws -> [Float] {
        if let originalOutputs { return originalOutputs }
        let values = try original?.outputs ?? model.scores(inputs, classes: targets, monitor: monitor)
        originalOutputs = values
        return values
    }

    /// The explanation of modified images `images` whose rows follow `classes`.
    func explain(_ images: Tensor, classes: [Int], monitor: WorkMonitor, metric: String) throws -> Explainer.Output {
        try explainer.checkedOutput(model, images, targets: classes, monitor: monitor, metric: metric)
    }

    /// f of modified images for `classes` (one batched pass per chunk of rows).
    func scores(_ images: Tensor, classes: [Int], monitor: WorkMonitor) throws -> [Float] {
        try model.scores(images, classes: classes, monitor: monitor)
    }

    /// A value shared by metrics of one comparison (max- and average sensitivity share their
    /// samples): made by `make` the first time `key` is asked for.
    func memoised<T>(_ key: String, _ make: () throws -> T) rethrows -> T {
        if let value = memo[key] as? T { return value }
        let value = try make()
        memo[key] = value
        return value
    }
}

extension ExplainedModel {
    /// f (S_c, p_c, ReLU(S_c) …) of each image for its class in `classes`.
    public func scores(_ inputs: Tensor, classes: [Int], monitor: WorkMonitor = .none) throws -> [Float] {
        try checkInputs(inputs, method: "score")
        let resolved = try resolve(.classes(classes), inputs: inputs, method: "score")
        return try outputs(inputs, targets: resolved, monitor: monitor)
    }

    /// Each image's predicted class (the first arg-max).
    public func predictedClasses(_ inputs: Tensor, monitor: WorkMonitor = .none) throws -> [Int] {
        try checkInputs(inputs, method: "predict")
        return try resolve(.predicted, inputs: inputs, method: "predict", monitor: monitor).indices
    }
}
