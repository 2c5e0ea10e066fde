import GlassboxData
import GlassboxEngine
import GlassboxFigures
import GlassboxMethods

/// `localisation(maps)`: how well explanations of cluttered-MNIST images point at their digits.
enum LocalisationBuiltin {
    static var all: [Builtin] { [localisation] }

    static let localisation = Builtin(
        name: "localisation",
        parameters: [
            BuiltinParameter(nil, name: "maps", type: "Explanation, ImageBatch, Tensor, List or Dictionary",
                             doc: "the maps to score: an explanation (one row per image), your own maps [N, H, W] (with boxes:), or a List of explanations or a Dictionary of named maps of the same images (one row each)"),
            BuiltinParameter("boxes", type: "List", default: .nil,
                             doc: "one box [top, left, height, width] per image (e.g. xs.inkBoxes); nil: the explained images' own digit boxes"),
            BuiltinParameter("box", type: "String", default: .string("ink"),
                             doc: "without boxes: \"ink\" (the tight box of the digit's non-zero pixels) or \"frame\" (its whole 28×28 frame)"),
            BuiltinParameter("top", type: "Double", default: .double(20),
                             doc: "the percentage of pixels (the largest positive values) kept for the IoU"),
        ],
        returns: "Table",
        summary: "Localisation scores of maps against the digits' boxes: pointing game, energy inside the box, IoU of the top pixels.",
        details: "Generated cluttered MNIST knows where each digit is (xs.boxes, xs.inkBoxes), so an explanation can be scored: "
            + "the pointing game (is the map's maximum inside the box? a constant map misses), the energy inside the box "
            + "(Σ of the map's positive values inside / Σ of all positive values; Score-CAM's energy-based pointing game) and the "
            + "IoU of the box with the map thresholded at its top k% (the round(k% · H·W) largest positive pixels). For a List "
            + "of explanations, or a Dictionary [\"name\": maps], the table has one row per entry with the hit rate and the mean energy "
            + "and IoU; your own maps (a Tensor [N, H, W] or [N, 1, H, W], or an ImageBatch) are scored the same way.",
        example: "let xs = dataset(\"cluttered-mnist\").test[0..<100]\nlocalisation(gradCAM(model(\"clut-fc\"), xs, target: \"label\"))\n"
            + "localisation([cam1, cam2], box: \"frame\")\nlocalisation([\"mine\": myMaps, \"Grad-CAM\": cam1], boxes: xs.inkBoxes)"
    ) { args, _ in
        let top = try args.double("top")
        guard top > 0, top <= 100, top.isFinite else { throw args.error(.value, "top", "must be a percentage in (0, 100], got \(ScriptValue.format(top))") }
        let kind = try args.string("box")
        guard kind == "ink" || kind == "frame" else {
            throw ScriptError(.value, "localisation: argument 'box' must be \"ink\" or \"frame\", got \"\(kind)\"", at: args.ranges["box"],
                              suggestions: Suggestions.closest(to: kind, among: ["ink", "frame"]))
        }
        let given = args.isNil("boxes") ? nil : try boxes(args)
        func scores(_ maps: Tensor, images: ImageBatch?, what: String) throws -> [LocalisationScore] {
            let count = maps.shape.first ?? 0
            let chosen: [PixelBox]
            if let given {
                chosen = given
            } else if let digits = images?.digits {
                chosen = digits.map { kind == "ink" ? $0.ink : $0.frame }
            } else {
                throw args.error(.value, "boxes", "is needed: \(what) has no digit boxes (only generated cluttered MNIST knows them); pass boxes: [[top, left, height, width], …]")
            }
            guard chosen.count == count else {
                throw args.error(.value, "boxes", "has \(chosen.count) boxes for \(count) maps")
            }
            let shaped: Tensor
            switch maps.rank {
            case 4 where maps.shape[1] == 1, 3: shaped = maps
            case 4: throw args.error(.value, "maps", "have \(maps.shape[1]) channels; score one map per image [N, 1, H, W] or [N, H, W]")
            default: throw args.error(.value, "maps", "must have shape [N, H, W] or [N, 1, H, W], got \(maps.shape)")
            }
            return try BindingErrors.translating("localisation") { try Localisation.scores(shaped, boxes: chosen, topPercent: top) }
        }
        let boxName = given == nil ? "\(kind) boxes" : "given boxes"
        let percent = top == top.rounded() ? String(Int(top)) : ScriptValue.format(top)
        let iouColumn = "IoU (top \(percent)%)"
        /// The maps of one value: an explanation, an image batch or a tensor, with its images.
        func scored(_ value: ScriptValue, what: String) throws -> (maps: Tensor, images: ImageBatch?, scores: [LocalisationScore]) {
            switch value {
            case .object(let e as ExplanationValue):
                return (e.explanation.attributions, e.images, try scores(e.explanation.attributions, images: e.images, what: what))
            case .object(let batch as ImageBatch):
                return (batch.images, batch, try scores(batch.images, images: batch, what: what))
            case .tensor(let t) where t.rank >= 3:
                return (t, nil, try scores(t, images: nil, what: what))
            case let other:
                throw args.error(.type, "maps", "\(what) must be an Explanation, an ImageBatch or a Tensor [N, H, W], got \(other.typeName)")
            }
        }
        /// One row per method: the hit rate and the mean energy and IoU.
        func summary(_ named: [(String, ScriptValue)]) throws -> ScriptValue {
            var rows: [[TableCell]] = []
            for (name, value) in named {
                let s = try scored(value, what: "'\(name)'").scores
                let n = Double(Swift.max(s.count, 1))
                rows.append([.text(name), .percent(Double(s.filter(\.hit).count) / n),
                             .number(s.map(\.energy).reduce(0, +) / n), .number(s.map(\.iou).reduce(0, +) / n), .integer(s.count)])
            }
            return .object(TableValue(try BindingErrors.translating("localisation") {
                try Table(columns: ["maps", "pointing game", "energy in box", iouColumn, "images"], rows: rows, significantDigits: 3,
                          percentDecimals: 0, caption: "Localisation against the \(boxName): hit rate and means over the images")
            }))
        }
        switch args.value("maps") {
        case .list(let items) where !items.isEmpty:
            // Rows named after each explanation's method and settings (the feature layer left out).
            return try summary(items.enumerated().map { index, item in
                guard case .object(let e as ExplanationValue) = item else {
                    return ("item \(index)", item)
                }
                let settings = e.explanation.settings.filter { $0.name != "layer" }.map { "\($0.name) \($0.value)" }
                return (settings.isEmpty ? e.explanation.method : "\(e.explanation.method) (\(settings.joined(separator: ", ")))", item)
            })
        case .dictionary(let named) where !named.entries.isEmpty:
            return try summary(named.entries.map { ($0.key, $0.value) })
        case let value:
            let (_, images, s) = try scored(value, what: "these maps")
            var title = "maps", targets: [Int]? = nil
            if case .object(let e as ExplanationValue) = value { (title, targets) = (e.explanation.method, e.explanation.targets) }
            return .object(try perImage(s, labels: images?.labels, targets: targets, title: title, boxName: boxName, iouColumn: iouColumn))
        }
    }

    /// One row per image and the summary in the caption.
    private static func perImage(_ s: [LocalisationScore], labels: [Int]?, targets: [Int]?, title: String, boxName: String,
                                 iouColumn: String) throws -> TableValue {
        var columns = ["image"]
        if labels != nil { columns.append("label") }
        if targets != nil { columns.append("target") }
        columns += ["pointing game", "energy in box", iouColumn]
        let rows: [[TableCell]] = s.enumerated().map { i, score in
            var row: [TableCell] = [.integer(i)]
            if let labels { row.append(.integer(labels[i])) }
            if let targets { row.append(.integer(targets[i])) }
            return row + [.text(score.hit ? "hit" : "miss"), .number(score.energy), .number(score.iou)]
        }
        let n = Double(Swift.max(s.count, 1))
        let caption = "\(title) against the \(boxName): pointing game \(s.filter(\.hit).count)/\(s.count), mean energy "
            + NumberFormat.significant(s.map(\.energy).reduce(0, +) / n, digits: 3) + ", mean IoU "
            + NumberFormat.significant(s.map(\.iou).reduce(0, +) / n, digits: 3)
        return TableValue(try BindingErrors.translating("localisation") {
            try Table(columns: columns, rows: rows, significantDigits: 3, caption: caption)
        })
    }

    /// The `boxes:` argument: a List of [top, left, height, width].
    private static func boxes(_ args: BoundArguments) throws -> [PixelBox] {
        guard case .list(let items) = args.value("boxes") else {
            throw args.error(.type, "boxes", "must be a List of boxes [top, left, height, width], got \(args.value("boxes").typeName)")
        }
        return try items.enumerated().map { index, item in
            guard case .list(let values) = item, values.count == 4 else {
                throw args.error(.value, "boxes", "item \(index) must be [top, left, height, width], got \(item.repr.prefix(40))")
            }
            let numbers = try values.map { value -> Int in
                switch value {
                case .int(let v): return v
                case .double(let v) where v == v.rounded(): return Int(v)
                default: throw args.error(.value, "boxes", "item \(index) must hold integers, got \(value.repr.prefix(20))")
                }
            }
            return PixelBox(top: numbers[0], left: numbers[1], height: numbers[2], width: numbers[3])
        }
    }
}
