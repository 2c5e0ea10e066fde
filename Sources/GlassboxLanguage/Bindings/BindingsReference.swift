import GlassboxEngine
import GlassboxFigures
import GlassboxMethods
import GlassboxModels

/// Generates the reference section of `docs/bindings.md`: every binding builtin, then the members of
/// every binding value type (a test compares the file with this output).
public enum BindingsReference {
    /// The builtin sections followed by a table of the value types' members.
    public static func markdown() -> String {
        var text = ""
        for builtin in GlassboxBindings.all {
            text += "### `\(builtin.name)`\n\n"
            text += builtin.helpMarkdown.replacingOccurrences(of: "**Arguments**", with: "Arguments:")
                .replacingOccurrences(of: "**Example**", with: "Example:")
            text += "\n"
        }
        text += "### Members of the value types\n\n| Type | Member | Description |\n|---|---|---|\n"
        // Several samples of one type (a dense, a conv and a pooling Layer) list each member once.
        var listed = Set<String>()
        for object in samples() {
            for property in object.propertyNames where listed.insert("\(object.typeName).\(property)").inserted {
                text += "| \(object.typeName) | `.\(property)` | \(propertyDocs["\(object.typeName).\(property)"] ?? "property") |\n"
            }
            for method in object.methods where listed.insert("\(object.typeName).\(method.name)()").inserted {
                text += "| \(object.typeName) | `.\(method.signature)` | \(method.summary) Example: `\(method.example.replacingOccurrences(of: "\n", with: "; "))` |\n"
            }
        }
        return text + "\n"
    }

    /// `document` with the generated section (between the language reference's markers) replaced.
    public static func updating(_ document: String) -> String? {
        guard let begin = document.range(of: LanguageReference.beginMarker), let end = document.range(of: LanguageReference.endMarker),
              begin.upperBound <= end.lowerBound else { return nil }
        return String(document[..<begin.upperBound]) + "\n\n" + markdown() + String(document[end.lowerBound...])
    }

    /// What each property of the value types is.
    static let propertyDocs: [String: String] = [
        "Dataset.name": "the dataset's name", "Dataset.train": "the training split (ImageBatch)",
        "Dataset.validation": "the validation split (ImageBatch)", "Dataset.test": "the test split (ImageBatch)",
        "Dataset.height": "image height in pixels", "Dataset.width": "image width in pixels",
        "ImageBatch.count": "the number of images", "ImageBatch.labels": "one label per image (List), or nil",
        "ImageBatch.mean": "the per-pixel mean image (an ImageBatch of one)", "ImageBatch.values": "the pixels as a Tensor [N, 1, H, W]",
        "ImageBatch.height": "image height", "ImageBatch.width": "image width", "ImageBatch.shape": "[N, 1, H, W]",
        "ImageBatch.boxes": "generated cluttered MNIST: each image's digit box [top, left, height, width] (28×28), else nil",
        "ImageBatch.inkBoxes": "generated cluttered MNIST: the box of each digit's non-zero pixels, else nil",
        "Model.name": "the architecture's zoo name", "Model.layers": "a Table: layer, kind, output shape, parameters",
        "Model.parameterCount": "trainable values",
        "Model.history": "the training history of this session (History), else the per-epoch record of the model's file",
        "Model.accuracy": "accuracy of the last evaluate(…) (or of the file's record), else nil",
        "Model.inputShape": "shape of one input, e.g. [1, 28, 28]", "Model.outputShape": "shape of one output, e.g. [10]",
        "Model.layerNames": "the layer names, in order", "Model.origin": "where the weights came from",
        "Model.summary": "one line: name, parameters, training, accuracy",
        "History.epochs": "epoch numbers", "History.loss": "mean batch loss per epoch (a GAN: the generator's)", "History.accuracy": "mean batch accuracy per epoch (nil for a GAN)",
        "History.count": "completed epochs", "History.model": "the model's name",
        "History.discriminatorLoss": "GAN (trainGAN, gan-g): the discriminator's mean batch loss per epoch; nil entries for a classifier",
        "History.source": "\"this session\", or the model file's training record",
        "Predictions.classes": "the predicted class per image", "Predictions.probabilities": "softmax probabilities, Tensor [N, classes]",
        "Predictions.logits": "the model's outputs, Tensor [N, classes]", "Predictions.confidence": "the probability of each predicted class",
        "Predictions.accuracy": "fraction of correct predictions when the images are labelled, else nil",
        "Predictions.count": "the number of images", "Predictions.labels": "the images' labels, or nil",
        "Explanation.values": "the attributions, Tensor shaped like the inputs", "Explanation.sum": "the sum of all attributions",
        "Explanation.sums": "the sum of each image's map", "Explanation.inputs": "the explained images (ImageBatch)",
        "Explanation.targets": "the class (or channel) explained per image", "Explanation.outputs": "the explained value f(x) per image",
        "Explanation.baselineOutputs": "f at the reference per image: integrated gradients' baseline, DeepLIFT's reference, meaningful perturbation's perturbed image Φ(x, M); else nil",
        "Explanation.perturbed": "meaningful perturbation: the images the network saw with the learned region deleted, Φ(x, M), an ImageBatch; else nil",
        "Explanation.method": "the method's name", "Explanation.title": "method, explained output and settings in one line",
        "Explanation.count": "the number of images", "Explanation.labels": "the images' labels, or nil",
        "Explanation.predictions": "the model's predicted class per image", "Explanation.maps": "the maps as an ImageBatch",
        "Explanation.receipt": "a table per image of what the method promises (Σ map = f(x), mean(CAM) = S_c, …), else nil",
        "Explanation.receiptError": "the receipt's largest gap relative to the largest expected value, else nil",
        "Explanation.coarse": "the CAM family's maps at the feature layer's resolution before upsampling, an ImageBatch [N, 1, h, w] (.values for the Tensor); else nil",
        "Explanation.layer": "the layer whose feature maps the CAM family weighted, else nil",
        "Table.columns": "the column names", "Table.rows": "the rows, each a List", "Table.count": "the number of rows",
        "Layer.name": "the layer's name", "Layer.kind": "dense, conv2d, maxpool, avgpool, relu, flatten, dropout, …",
        "Layer.inputShape": "the shape of one input example, e.g. [32, 14, 14]", "Layer.outputShape": "the shape of one output example",
        "Layer.isInputLayer": "true for the first layer that is not a reshape (where the z^B rule applies)",
        "Layer.weights": "dense: Tensor [outputs, inputs]; conv2d: Tensor [filters, channels, kh, kw]",
        "Layer.bias": "Tensor [outputs], or nil for a layer without biases",
        "Layer.kernel": "conv2d: [kh, kw]", "Layer.stride": "conv2d and pooling: [sh, sw]",
        "Layer.padding": "conv2d and pooling: \"same\" or \"valid\"", "Layer.window": "pooling: [h, w]",
        "ForwardRun.layers": "the layer names, in forward order", "ForwardRun.input": "the network's input Tensor [N, …] (run.input(\"name\") is a layer's input)",
        "ForwardRun.output": "the network's output Tensor (the logits)", "ForwardRun.count": "the number of images",
        "MetricResult.metric": "the metric's name", "MetricResult.method": "the scored method's name",
        "MetricResult.scores": "one score per image (List)", "MetricResult.mean": "the mean score over the images",
        "MetricResult.band": "half the width of the 95 % confidence interval of the mean (1.96 standard errors)",
        "MetricResult.direction": "\"higher is better\" or \"lower is better\"", "MetricResult.targets": "the class followed per image",
        "MetricResult.count": "the number of images", "MetricResult.x": "curve metrics: the positions along the curve (List)",
        "MetricResult.curve": "curve metrics: the average over the images at each position (List)",
        "MetricResult.curveBand": "curve metrics: the 95 % half-width of the average at each position (List)",
        "MetricResult.curves": "curve metrics: every image's curve, Tensor [images, positions]",
        "MetricResult.auc": "curve metrics: the trapezoid area under the average curve over x",
        "MetricResult.aopc": "region perturbation: the mean AOPC (the mean score)",
        "MetricResult.windows": "region perturbation: the removed windows' top-left [row, column], per image",
        "MetricResult.maps": "translation continuity: the first image's maps, one per shift (Explanation)",
        "MetricResult.quadrants": "translation continuity: R1 top-left, R2 top-right, R3 bottom-right, R4 bottom-left per shift, Tensor [shifts, 4]",
        "MetricResult.outputs": "translation continuity: f at each shift (first image)",
        "MetricResult.shifts": "translation continuity: the shifts", "MetricResult.shifted": "translation continuity: the first image at every shift (ImageBatch)",
        "Comparison.table": "the mean of every metric (columns) for every method (rows)",
        "Comparison.bands": "the 95 % confidence half-widths of those means", "Comparison.figure": "the score grid, each column shaded by rank",
        "Comparison.curves": "the curve metrics' average curves, one chart per metric, the methods overlaid",
        "Comparison.methods": "the row names", "Comparison.metrics": "the column names (with ↑ or ↓)",
    ]

    /// One small value of each binding type.
    static func samples() -> [any ScriptObject] {
        var objects: [any ScriptObject] = []
        guard let batch = try? ImageBatch(tensor: Tensor(zeros: [1, 1, 2, 2]), labels: [0], origin: "sample") else { return objects }
        objects.append(DatasetValue(name: "sample", train: batch, validation: batch, test: batch))
        objects.append(batch)
        let architecture = Architecture(name: "sample", inputShape: [1, 2, 2], layers: [
            .flatten(name: "flatten"), .dense(name: "logits", inputs: 4, outputs: 2, bias: true),
        ])
        if let network = try? architecture.build(seed: 0) {
            let model = ModelValue(ModelHandle(architecture: architecture, network: network, recipe: nil, info: nil, origin: "sample"))
            objects.append(model)
            objects.append(model.history)
        }
        if let predictions = try? Predictions(logits: Tensor(zeros: [1, 2]), labels: [0], modelName: "sample") {
            objects.append(predictions)
        }
        let explanation = Explanation(attributions: batch.images, inputs: batch.images, targets: [0], output: .logit, outputs: [0],
                                      method: "sample")
        objects.append(ExplanationValue(explanation, images: batch, predictions: [0], style: .gray))
        if let table = try? Table(columns: ["a column"], rows: [[.integer(1)]]) { objects.append(TableValue(table)) }
        // A Layer of each kind that has its own members, and a ForwardRun (the exercise loop).
        let small = Architecture(name: "sample", inputShape: [1, 4, 4], layers: [
            .conv2D(name: "conv", inChannels: 1, outChannels: 1, kernel: 2, stride: 1, padding: .same, bias: false),
            .maxPool2D(name: "pool", window: 2, stride: 2, padding: .same), .flatten(name: "flatten"),
            .dense(name: "logits", inputs: 4, outputs: 2, bias: true),
        ])
        if let network = try? small.build(seed: 0), let shapes = try? small.layerOutputShapes() {
            for index in [3, 0, 1] {
                objects.append(LayerValue(layer: network.layers[index], inputShape: index == 0 ? small.inputShape : shapes[index - 1],
                                          outputShape: shapes[index], isInputLayer: index == 0))
            }
            if let record = try? network.forwardRecording(Tensor(zeros: [1, 1, 4, 4]), training: false) {
                objects.append(ForwardRun(record: record, modelName: "sample"))
            }
        }
        // Metric results: a region-perturbation run and a translation-continuity run show every member.
        let curve = MetricCurve(x: [0, 1], xLabel: "x", yLabel: "f", values: [[1, 0]])
        let perturbation = MetricResult(id: "regionPerturbation", metric: "Region perturbation", method: "sample", direction: .higherIsBetter,
                                        scores: [0.5], targets: [0], curve: curve,
                                        detail: RegionPerturbation.Record(windows: [[RelevantWindow.Corner(row: 0, column: 0)]], patch: 1, fill: 0))
        let perturbationValue = MetricValue(perturbation, images: batch, output: .logit, style: .gray)
        objects.append(perturbationValue)
        var continuity = perturbation
        continuity.id = "translationContinuity"
        continuity.detail = TranslationContinuity.Record(shifts: [0, 1], images: [Tensor(zeros: [2, 1, 2, 2])], maps: [Tensor(zeros: [2, 1, 2, 2])],
                                                         quadrants: [[[0, 0, 0, 0], [0, 0, 0, 0]]])
        let continuityValue = MetricValue(continuity, images: batch, output: .logit, style: .gray)
        objects.append(continuityValue)
        objects.append(ComparisonValue(methodNames: ["sample"], columns: ["Region perturbation ↑"], values: [[perturbationValue]], caption: "sample"))
        return objects
    }
}
