import Foundation
import GlassboxEngine

extension ClutteredMNIST {
    /// The keys of the reference's `.npz` file, per split: images, then labels.
    public static let archiveKeys: [(split: MNIST.Split, images: String, labels: String)] = [
        (.train, "X_train", "y_train"), (.validation, "X_valid", "y_valid"), (.test, "X_test", "y_test"),
    ]

    /// Reads cluttered MNIST from a `.npz` file laid out like the reference's
    /// `mnist_sequence1_sample_5distortions5x5.npz`: arrays `X_train`, `y_train`, `X_valid`, `y_valid`,
    /// `X_test`, `y_test`. Images may be `(N, H·W)` with square images (the reference's `(N, 1600)`),
    /// `(N, H, W)`, `(N, 1, H, W)` or `(N, H, W, 1)`; float values are used as stored, `uint8` ones
    /// divided by 255. Labels may be `(N,)` or `(N, 1)` (the reference's shape) and must be 0…9.
    /// Digit positions are not in the file, so `trainDigits` and the others are nil.
    public static func load(contentsOf url: URL) throws -> ClutteredMNIST {
        let archive = try NumpyArchive(contentsOf: url)
        var splits: [LabelledImages] = []
        for (_, imagesKey, labelsKey) in archiveKeys {
            let images = try archive.array(named: imagesKey)
            let labels = try archive.array(named: labelsKey)
            let name = "\(archive.path) (\(imagesKey))"
            let tensor = try imageTensor(images, name: name)
            let labelsName = "\(archive.path) (\(labelsKey))"
            guard labels.shape.count == 1 || (labels.shape.count == 2 && labels.shape[1] == 1) else {
                throw DataError.badNumpy(path: labelsName, reason: "labels must have shape (N,) or (N, 1), got \(labels.shape)")
            }
            let digits = try labels.integers(name: labelsName)
            if let bad = digits.firstIndex(where: { !(0...9).contains($0) }) {
                throw DataError.badLabel(path: labelsName, index: bad, value: digits[bad], allowed: 0...9)
            }
            guard digits.count == tensor.shape[0] else {
                throw DataError.countMismatch(path: labelsName, expected: tensor.shape[0], found: digits.count)
            }
            if let first = splits.first, first.height != tensor.shape[2] || first.width != tensor.shape[3] {
                throw DataError.badNumpy(path: name, reason: "images are \(tensor.shape[2])×\(tensor.shape[3]), "
                    + "but those of \(archiveKeys[0].images) are \(first.height)×\(first.width)")
            }
            // Held in the narrowest exact form: the reference's float32 file holds few distinct values.
            splits.append(try LabelledImages(rows: ImageRows.compacting(tensor), labels: digits))
        }
        return ClutteredMNIST(train: splits[0], validation: splits[1], test: splits[2], trainDigits: nil,
                              validationDigits: nil, testDigits: nil, configuration: nil)
    }

    /// `[N, 1, H, W]` images from one of the accepted layouts.
    private static func imageTensor(_ array: NumpyArray, name: String) throws -> Tensor {
        let shape = array.shape
        let (count, height, width): (Int, Int, Int)
        switch shape.count {
        case 2:
            let side = Int(Double(shape[1]).squareRoot().rounded())
            guard side > 0, side * side == shape[1] else {
                throw DataError.badNumpy(path: name, reason: "rows of \(shape[1]) values are not square images")
            }
            (count, height, width) = (shape[0], side, side)
        case 3:
            (count, height, width) = (shape[0], shape[1], shape[2])
        case 4 where shape[1] == 1:
            (count, height, width) = (shape[0], shape[2], shape[3])
        case 4 where shape[3] == 1:
            (count, height, width) = (shape[0], shape[1], shape[2])
        default:
            throw DataError.badNumpy(path: name, reason: "images must have shape (N, H·W), (N, H, W), (N, 1, H, W) or (N, H, W, 1), got \(shape)")
        }
        guard height > 0, width > 0 else {
            throw DataError.badNumpy(path: name, reason: "images of \(height)×\(width) pixels are empty")
        }
        try MemoryBudget.shared.check(WorkingMemory.bytes(floats: WorkingMemory.product([count, height, width])),
                                      for: "the images of \(name) as floats (\(count)×\(height)×\(width))")
        let values: [Float]
        switch array.values {
        case .float32, .float64: values = array.floats()
        case .uint8(let bytes): values = MNIST.floatPixels(bytes[...])
        default:
            throw DataError.badNumpy(path: name, reason: "images must be float32, float64 or uint8, got \(array.dtype)")
        }
        return Tensor(shape: [count, 1, height, width], scalars: values)
    }
}
