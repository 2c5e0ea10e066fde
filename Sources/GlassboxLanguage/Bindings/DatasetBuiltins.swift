import Foundation
import GlassboxData

/// `dataset(…)`: MNIST through the locator, and cluttered MNIST generated from it.
enum DatasetBuiltins {
    static var all: [Builtin] { [dataset] }

    static let names = ["mnist", "cluttered-mnist"]

    static let dataset = Builtin(
        name: "dataset",
        parameters: [
            BuiltinParameter(nil, name: "name", type: "String", default: .string("mnist"),
                             doc: "\"mnist\" (28×28 digits) or \"cluttered-mnist\" (40×40 canvases with clutter, chapter 4)"),
            BuiltinParameter("path", type: "String", default: .nil,
                             doc: "a directory holding the four MNIST files (else $GLASSBOX_DATA/mnist, then the user cache); "
                                + "for cluttered-mnist also a .npz file such as the reference's mnist_sequence1_sample_5distortions5x5.npz"),
            BuiltinParameter("download", type: "Bool", default: .bool(true), doc: "download the files into the user cache when missing"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "cluttered-mnist only: fixes the generated images"),
        ],
        returns: "Dataset",
        summary: "Loads a dataset with its train, validation and test splits.",
        details: "MNIST is split as the reference does: validation = the first 5,000 training images, train = the other "
            + "55,000, test = the 10,000 test images; pixels are in [0, 1]. cluttered-mnist is generated from MNIST with the "
            + "reference file's algorithm (10,000 / 1,000 / 1,000 images of 40×40, one digit and 5 distractors of 5×5 each; "
            + "`.boxes` gives each image's digit box), or read from a .npz file given as path. When the files are missing everywhere and cannot "
            + "be downloaded, the error lists every place looked. MNIST stays bytes (a memory-mapped file shared by every kernel on the machine) and becomes floats per batch. Loaded datasets are kept (up to 256 MiB of images as held, $GLASSBOX_DATASET_CACHE to change it; the least recently used dropped first), so calling it again is instant.",
        example: "let mnist = dataset(\"mnist\")\nmnist.train.count"
    ) { args, _ in
        let name = try args.string("name").lowercased()
        let path = try args.optionalString("path")
        let download = try args.bool("download")
        let seed = try args.seed("seed")
        guard names.contains(name) || name == "cluttered" else {
            throw ScriptError(.value, "dataset: unknown dataset \"\(name)\"; known: " + names.joined(separator: ", "),
                              at: args.ranges["name"], suggestions: Suggestions.closest(to: name, among: names))
        }
        if let path, path.lowercased().hasSuffix(".npz") {
            guard name != "mnist" else {
                throw args.error(.value, "path", "is a .npz file; \"mnist\" is read from a directory of the four IDX files, "
                    + "a .npz file as dataset(\"cluttered-mnist\", path: …)")
            }
            return .object(try loadClutteredFile(path: path))
        }
        let mnist = try loadMNIST(path: path, download: download)
        if name == "mnist" { return .object(mnist) }
        let key = "cluttered|\(path ?? "")|\(seed)"
        return .object(try DatasetCache.shared.value(for: key) {
            try BindingErrors.translating("dataset") {
                guard let source = mnist.mnist else { throw ScriptError(.runtime, "dataset: MNIST is not loaded") }
                let cluttered = try ClutteredMNIST.generate(from: source, configuration: .init(seed: seed))
                return DatasetValue(cluttered: cluttered, note: "generated from MNIST with seed \(seed)")
            }
        })
    }

    /// Cluttered MNIST read from a `.npz` file laid out like the reference's, cached per file version.
    static func loadClutteredFile(path: String) throws -> DatasetValue {
        let url = URL(fileURLWithPath: path)
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        let version = "\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)|\(attributes?[.size] ?? 0)"
        return try DatasetCache.shared.value(for: "cluttered-file|\(url.path)|\(version)") {
            try BindingErrors.translating("dataset") {
                DatasetValue(cluttered: try ClutteredMNIST.load(contentsOf: url), note: "read from \(url.path)")
            }
        }
    }

    /// MNIST from `path` (or the locator's usual places), cached per directory.
    static func loadMNIST(path: String?, download: Bool) throws -> DatasetValue {
        try DatasetCache.shared.value(for: "mnist|\(path ?? "")") {
            var locator = MNISTLocator(explicitDirectory: path.map { URL(fileURLWithPath: $0, isDirectory: true) })
            if !download { locator.downloader = nil }
            do {
                let mnist = try MNIST.load(locator: locator)
                return DatasetValue(name: "mnist", mnist: mnist)
            } catch let error as DataError {
                throw ScriptError(.runtime, "dataset: " + error.description)
            }
        }
    }
}
