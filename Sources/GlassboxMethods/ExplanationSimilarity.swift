/// How alike two sets of maps are, image by image: the measures used to compare an explanation
/// with that of a randomised model (the sanity checks of Adebayo et al., 2018, which Quantus and
/// Captum users run), of a perturbed input (chapter 5.1), or of another method.
public enum SimilarityMeasure: String, CaseIterable, Sendable {
    /// Spearman's rank correlation: the Pearson correlation of the ranks (ties share their mean
    /// rank). 1 = same ordering of the pixels. Adebayo et al.'s main measure.
    case spearman
    /// Pearson's correlation of the values: 1 = same pattern up to scale and offset.
    case pearson
    /// Cosine similarity Σab / (‖a‖‖b‖): 1 = same direction; 0 when either map is all zeros.
    case cosine

    /// The measure of two equally long maps.
    public func measure(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        switch self {
        case .pearson: return pearsonCorrelation(a, b)
        case .spearman: return pearsonCorrelation(ArraySlice(Self.ranks(a)), ArraySlice(Self.ranks(b)))
        case .cosine:
            var dot = 0.0, na = 0.0, nb = 0.0
            for (x, y) in zip(a, b) {
                dot += Double(x) * Double(y)
                na += Double(x) * Double(x)
                nb += Double(y) * Double(y)
            }
            guard na > 0, nb > 0 else { return 0 }
            return Float(dot / (na * nb).squareRoot())
        }
    }

    /// 1-based ranks of `values` in increasing order; tied values share the mean of their ranks.
    static func ranks(_ values: ArraySlice<Float>) -> [Float] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Float](repeating: 0, count: values.count)
        let base = values.startIndex
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, values[order[j + 1]] == values[order[i]] { j += 1 }
            let shared = Float(i + j) / 2 + 1
            for k in i...j { ranks[order[k] - base] = shared }
            i = j + 1
        }
        return ranks
    }
}

extension SimilarityMeasure {
    /// The measure for each image of `a` ([N, …]) against the same image of `b` ([N, …]), or against
    /// `b`'s only image when it has one; with `absolute`, of |a| and |b| (Adebayo et al. compare
    /// absolute maps, since a map's sign may flip without changing what it highlights).
    public func perImage(_ a: [Float], count: Int, _ b: [Float], otherCount: Int, absolute: Bool) throws -> [Float] {
        guard count > 0, otherCount > 0 else {
            throw MethodError.mismatch(operation: "similarity", message: "needs at least one image on each side")
        }
        let per = a.count / count, otherPer = b.count / otherCount
        guard a.count % count == 0, b.count % otherCount == 0, per == otherPer else {
            throw MethodError.mismatch(operation: "similarity", message: "images of \(per) and \(otherPer) values do not match")
        }
        guard otherCount == count || otherCount == 1 else {
            throw MethodError.mismatch(operation: "similarity",
                                       message: "\(count) images against \(otherCount); give as many, or one")
        }
        let x = absolute ? a.map(abs) : a, y = absolute ? b.map(abs) : b
        return (0..<count).map { i in
            let j = otherCount == 1 ? 0 : i
            return measure(x[(i * per)..<((i + 1) * per)], y[(j * per)..<((j + 1) * per)])
        }
    }
}
