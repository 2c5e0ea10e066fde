extension Architecture {
    /// Multiply–accumulates of one forward pass of one example through the dense and convolution
    /// layers (pooling and activations are not counted). A training step costs about three times
    /// this (forward, gradient with respect to the input, gradient with respect to the weights),
    /// i.e. 6 × this many floating-point operations per example.
    public func forwardMultiplyAccumulates() throws -> Int {
        let shapes = try layerOutputShapes()
        var total = 0
        for (layer, output) in zip(layers, shapes) {
            switch layer {
            case .dense(_, let inputs, let outputs, _):
                total += inputs * outputs
            case .conv2D(_, let inChannels, _, let kernel, _, _, _):
                total += output.reduce(1, *) * inChannels * kernel * kernel
            default:
                break
            }
        }
        return total
    }
}
