import ArgumentParser

/// `glassbox`: the kernel, its installer, and the command-line tools around it.
@main
struct GlassboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glassbox",
        abstract: "A Jupyter kernel for seeing why a neural network decides what it decides.",
        subcommands: [KernelCommand.self, InstallCommand.self, RunCommand.self, TrainCommand.self, EvaluateCommand.self,
                      BenchCommand.self, BenchMethodsCommand.self, BenchRelevanceCommand.self, BenchMetricsCommand.self,
                      BenchCAMCommand.self, BenchPerturbationCommand.self, BenchAMCommand.self, DocsFiguresCommand.self])
}
