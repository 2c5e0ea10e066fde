import GlassboxEngine
import GlassboxModels

/// Occlusion (Zeiler & Fergus 2014): a patch of `fill` slides over the image; at each position the
/// drop of the explained output, f(x) − f(x with the patch), is credited to every pixel under the
/// patch, and each pixel's map value is the mean drop over the patches that cover it (Captum's
/// `Occlusion`). No gradients: one forward row per position, all positions of all images sent
/// through the network in batched passes.
public struct Occlusion: AttributionMethod {
    public static let declaration = MethodDeclaration(
        id: "occlusion", title: "Occlusion",
        citation: "Zeiler & Fergus (2014), Visualizing and understanding convolutional networks, ECCV",
        summary: "Occlusion: slide a patch of a fill value over the image; each pixel gets the mean drop f(x) − f(x with the patch) over the patches covering it.",
        details: "patch, stride and fill are hyper-parameters to tune: a patch smaller than a stroke shows little, one larger than the "
            + "digit shows only blobs. Positions start at the top-left corner and step by stride while the patch fits (as Captum's "
            + "Occlusion); a pixel that no patch covers gets 0. One forward row per position and image, in batched passes that mix "
            + "images. With patch p and stride p the map of each p × p cell is the drop from removing that cell alone.",
        options: [
            MethodOption("patch", .integer(min: 1), default: .int(4), doc: "the side of the square patch, in pixels"),
            MethodOption("stride", .integer(min: 1), default: .int(2), doc: "the step between patch positions, in pixels"),
            MethodOption("fill", .number(), default: .double(0), doc: "the value the patch writes into every channel (0: black on MNIST)"),
        ],
        display: .relevanceSigned, acceptsLayerTargets: false,
        example: "occlusion(net, xs, target: \"label\")\nocclusion(net, xs, patch: 7, stride: 7, fill: 0.5)",
        page: "occlusion.md", figure: "occlusion(net, xs, target: \"label\")")

    public var model: ExplainedModel
    public var patch: Int
    public var stride: Int
    public var fill: Float

    public init(_ model: ExplainedModel, patch: Int = 4, stride: Int = 2, fill: Float = 0) throws {
        let name = Self.declaration.title
        let (_, height, width) = try model.imageGeometry(method: name)
        guard patch >= 1, stride >= 1 else {
            throw MethodError.invalidOption(method: name, message: "patch and stride must be at least 1, got \(patch) and \(stride)")
        }
        guard patch <= Swift.min(height, width) else {
            throw MethodError.option(method: name, option: "patch", message: "must fit the \(height) × \(width) image, got \(patch)",
                                     given: nil, candidates: [])
        }
        guard fill.isFinite else { throw MethodError.invalidOption(method: name, message: "the fill value must be finite, got \(fill)") }
        self.model = model
        self.patch = patch
        self.stride = stride
        self.fill = fill
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        try self.init(model, patch: options.int("patch"), stride: options.int("stride"), fill: options.float("fill"))
    }

    private var settings: [MethodSetting] {
        [MethodSetting("patch", "\(patch)"), MethodSetting("stride", "\(stride)"), MethodSetting("fill", "\(fill)")]
    }

    /// The top-left corners of the patch positions, row by row.
    func corners(height: Int, width: Int) -> [(y: Int, x: Int)] {
        let down = (height - patch) / stride + 1, across = (width - patch) / stride + 1
        return (0..<down).flatMap { i in (0..<across).map { j in (i * stride, j * stride) } }
    }

    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        let name = Self.declaration.title
        try checkOutput()
        try model.checkInputs(inputs, method: name)
        let (channels, height, width) = try model.imageGeometry(method: name)
        let resolved = try model.resolve(targets, inputs: inputs, method: name, monitor: monitor)
        let n = inputs.shape[0], per = inputs.valuesPerRow, plane = height * width
        let positions = corners(height: height, width: width)
        // Row 0 of each image is the image itself (f(x)), rows 1… its occluded copies.
        let rowsPerImage = positions.count + 1
        let (patch, fill) = (self.patch, self.fill)
        let scores = try inputs.scalars.withUnsafeBufferPointer { x in
            try model.perturbedScores(rows: n * rowsPerImage, targets: { resolved.indices[$0 / rowsPerImage] }, task: name,
                                      monitor: monitor) { range, out in
                for (r, flat) in range.enumerated() {
                    let image = flat / rowsPerImage, k = flat % rowsPerImage
                    let row = UnsafeMutableBufferPointer(rebasing: out[(r * per)..<((r + 1) * per)])
                    _ = row.initialize(from: x[(image * per)..<((image + 1) * per)])
                    guard k > 0 else { continue }
                    let corner = positions[k - 1]
                    for c in 0..<channels {
                        for y in corner.y..<(corner.y + patch) {
                            let base = c * plane + y * width
                            for xx in corner.x..<(corner.x + patch) { row[base + xx] = fill }
                        }
                    }
                }
            }
        }
        // Each pixel: the mean drop over the patches covering it (in Double, positions in order).
        var attributions = [Float](repeating: 0, count: inputs.count)
        var total = [Double](repeating: 0, count: plane)
        var covering = [Int](repeating: 0, count: plane)
        for image in 0..<n {
            for j in 0..<plane { total[j] = 0; covering[j] = 0 }
            let f = Double(scores[image * rowsPerImage])
            for (k, corner) in positions.enumerated() {
                let drop = f - Double(scores[image * rowsPerImage + k + 1])
                for y in corner.y..<(corner.y + patch) {
                    for xx in corner.x..<(corner.x + patch) {
                        total[y * width + xx] += drop
                        covering[y * width + xx] += 1
                    }
                }
            }
            for c in 0..<channels {
                for j in 0..<plane where covering[j] > 0 {
                    attributions[image * per + c * plane + j] = Float(total[j] / Double(covering[j]))
                }
            }
        }
        let outputs = (0..<n).map { scores[$0 * rowsPerImage] }
        return Explanation(attributions: Tensor(shape: inputs.shape, scalars: attributions), inputs: inputs, targets: resolved.indices,
                           output: model.output, outputs: outputs, method: name, settings: settings)
    }
}
