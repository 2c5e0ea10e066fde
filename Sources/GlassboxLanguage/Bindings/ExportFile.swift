import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxFigures
import GlassboxModels

/// `save(value, to: path)` for everything but models: values leave the kernel as files NumPy,
/// pandas and PyTorch read, chosen by the path's extension.
///
/// - `.npy`: one array — a Tensor, the maps of an Explanation ([N, 1, H, W]), the pixels of an
///   ImageBatch, or a List of numbers.
/// - `.npz` (NumPy's `np.load`) and `.safetensors` (the `safetensors` package): several named
///   arrays — a Dictionary of such values, an Explanation (`attributions`, `inputs`, `targets`,
///   `outputs`, and `baselineOutputs` when it has them) or an ImageBatch (`images`, `labels`).
///   Safetensors holds floats only: integer arrays are stored as F32.
/// - `.csv`: a Table (a header row, then one line per row, numbers at full precision).
enum ExportFile {
    /// The extensions `save` writes for values other than models.
    static let extensions = ["npy", "npz", "safetensors", "csv"]

    /// Writes `value` to `url`; returns a one-line description for the cell ("3 arrays").
    static func write(_ value: ScriptValue, to url: URL, args: BoundArguments) throws -> String {
        let ext = url.pathExtension.lowercased()
        switch ext {
        case "npy":
            let array = try self.array(value, name: "value", args: args)
            try NumpyFile.write(array, to: url)
            return "an array of shape \(array.shape)"
        case "npz", "safetensors":
            let arrays = try namedArrays(value, args: args)
            if ext == "npz" {
                try NumpyArchive.write(arrays, to: url)
            } else {
                let entries = arrays.map { SafetensorsFile.Entry(name: $0.name, tensor: $0.array.tensor()) }
                try SafetensorsFile(entries: entries, metadata: ["format": "pt", "glassbox.export": "1"]).write(to: url)
            }
            return "\(arrays.count) array\(arrays.count == 1 ? "" : "s") (" + arrays.map(\.name).joined(separator: ", ") + ")"
        case "csv":
            guard case .object(let table as TableValue) = value else {
                throw args.error(.type, "value", "must be a Table to save as .csv, got \(value.typeName)")
            }
            try Data(csv(table.table).utf8).write(to: url, options: .atomic)
            return "a table of \(table.table.rows.count) rows"
        default:
            throw args.error(.value, "to", "must end in .safetensors (a model, or named arrays), .npy, .npz or .csv, got \"\(url.lastPathComponent)\"")
        }
    }

    /// One value as one array.
    static func array(_ value: ScriptValue, name: String, args: BoundArguments) throws -> NumpyArray {
        switch value {
        case .tensor(let t): return NumpyArray(t)
        case .object(let e as ExplanationValue): return NumpyArray(e.explanation.attributions)
        case .object(let batch as ImageBatch): return NumpyArray(batch.images)
        case .int(let v): return NumpyArray(integers: [v])
        case .double(let v): return NumpyArray(Tensor(scalar: Float(v)))
        case .list(let items):
            if items.allSatisfy({ if case .int = $0 { return true } else { return false } }) {
                return NumpyArray(integers: items.map { if case .int(let v) = $0 { return v } else { return 0 } })
            }
            do {
                return NumpyArray(try TensorConversion.tensor(from: value))
            } catch let problem as TensorConversion.Problem {
                throw args.error(problem.kind, "value", "'\(name)' \(problem.message)")
            }
        default:
            throw args.error(.type, "value", "'\(name)' is a \(value.typeName); arrays come from Tensors, Explanations, ImageBatches and Lists of numbers")
        }
    }

    /// A value as named arrays (for .npz and .safetensors).
    static func namedArrays(_ value: ScriptValue, args: BoundArguments) throws -> [(name: String, array: NumpyArray)] {
        switch value {
        case .dictionary(let d):
            guard !d.entries.isEmpty else { throw args.error(.value, "value", "is an empty Dictionary: there is nothing to save") }
            return try d.entries.map { ($0.key, try array($0.value, name: $0.key, args: args)) }
        case .object(let e as ExplanationValue):
            let x = e.explanation
            var arrays: [(String, NumpyArray)] = [("attributions", NumpyArray(x.attributions)), ("inputs", NumpyArray(x.inputs)),
                                                  ("targets", NumpyArray(integers: x.targets)),
                                                  ("outputs", NumpyArray(Tensor(shape: [x.outputs.count], scalars: x.outputs)))]
            if let b = x.baselineOutputs { arrays.append(("baselineOutputs", NumpyArray(Tensor(shape: [b.count], scalars: b)))) }
            return arrays
        case .object(let batch as ImageBatch):
            var arrays: [(String, NumpyArray)] = [("images", NumpyArray(batch.images))]
            if let labels = batch.labels { arrays.append(("labels", NumpyArray(integers: labels))) }
            return arrays
        default:
            return [("value", try array(value, name: "value", args: args))]
        }
    }

    /// The table as comma-separated values (RFC 4180 quoting).
    static func csv(_ table: Table) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        func cell(_ c: TableCell) -> String {
            switch c {
            case .text(let s): return field(s)
            case .number(let v), .percent(let v): return "\(v)"
            case .integer(let v): return "\(v)"
            case .empty: return ""
            }
        }
        return ([table.columns.map(field).joined(separator: ",")] + table.rows.map { $0.map(cell).joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }
}
