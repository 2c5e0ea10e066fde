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
        "Explanation.baselineOutputs": "f(baseline) per image (integrated gradients), else nil",
        "Explanation.method": "the method's name", "Explanation.title": "method, explained output and settings in one line",
        "Explanation.count": "the number of images", "Explanation.labels": "the images' labels, or nil",
        "Explanation.predictions": "the model's predicted class per image", "Explanation.maps": "the maps as an ImageBatch",
        "Explanation.receipt": "a Table per image: the map's sum against what the method promises it equals (f(x), f(x) − f(b) or f(x) − f(x⁰)) and the gap; nil for methods without a receipt",
        "Explanation.receiptError": "the largest gap of the receipt relative to the largest expected sum, or nil",
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
        return objects
    }
}
