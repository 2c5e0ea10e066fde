/// An optimiser and its settings, as stored in zoo entries and model files.
public enum OptimizerSpec: Codable, Sendable, Equatable {
    /// Adam as in TensorFlow 1.x (defaults: learning rate 1e-3, β1 0.9, β2 0.999, ε 1e-8).
    case adam(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8)
    /// Stochastic gradient descent, optionally with (heavy-ball) momentum.
    case sgd(learningRate: Float, momentum: Float = 0)

    /// A fresh optimiser with these settings.
    public func makeOptimizer() -> any Optimizer {
        switch self {
        case .adam(let learningRate, let beta1, let beta2, let epsilon):
            return Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
        case .sgd(let learningRate, let momentum):
            return SGD(learningRate: learningRate, momentum: momentum)
        }
    }

    /// A short human-readable form, e.g. `adam(lr 0.001)`.
    public var summary: String {
        switch self {
        case .adam(let learningRate, let beta1, let beta2, let epsilon):
            return "adam(lr \(learningRate), β1 \(beta1), β2 \(beta2), ε \(epsilon))"
        case .sgd(let learningRate, let momentum):
            return "sgd(lr \(learningRate), momentum \(momentum))"
        }
    }
}

/// How the reference trains a zoo model (chapters.md, C3 and per chapter).
public struct TrainingRecipe: Codable, Sendable, Equatable {
    /// Which data set the model is trained on.
    public enum Dataset: String, Codable, Sendable {
        /// MNIST, 55k train / 5k validation / 10k test, 28×28 in [0, 1] (C1).
        case mnist
        /// Cluttered MNIST 40×40 (10k train, 1k validation, 1k test; chapters 4.x).
        case cluttered
    }

    /// What the training optimises.
    public enum Objective: String, Codable, Sendable {
        /// Softmax cross-entropy on the logits (every classifier in the zoo).
        case classifier
        /// Part of the chapter-1.3 GAN; trained adversarially against a frozen classifier, not by
        /// the plain classifier trainer.
        case adversarial
    }

    public var dataset: Dataset
    public var objective: Objective
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerSpec
    /// Subtract each batch's own per-pixel mean before the forward pass (3.2, 3.4, 3.5).
    public var centreBatches: Bool
    /// Reshuffle the training set every epoch (MNIST); the cluttered chapters take batches in
    /// fixed sequential order.
    public var shuffle: Bool

    public init(dataset: Dataset = .mnist, objective: Objective = .classifier, epochs: Int = 15,
                batchSize: Int = 100, optimizer: OptimizerSpec = .adam(), centreBatches: Bool = false,
                shuffle: Bool = true) {
        self.dataset = dataset
        self.objective = objective
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.centreBatches = centreBatches
        self.shuffle = shuffle
    }

    /// C3: MNIST, 15 epochs of batches of 100, Adam defaults, reshuffled every epoch.
    public static let mnistClassifier = TrainingRecipe()
    /// C3 with per-batch centring (3.2, 3.4, 3.5).
    public static let mnistCentredClassifier = TrainingRecipe(centreBatches: true)
    /// 4.1–4.3: cluttered MNIST, 20 epochs of 100 sequential batches of 100, Adam defaults.
    public static let clutteredClassifier = TrainingRecipe(dataset: .cluttered, epochs: 20, shuffle: false)
    /// 1.3: 25 GAN epochs of 550 steps, batch 100, two Adam optimisers.
    public static let adversarial = TrainingRecipe(objective: .adversarial, epochs: 25)
}
