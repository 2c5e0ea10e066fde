import ArgumentParser
import Foundation
import GlassboxLanguage

/// `glassbox docs-figures [--output DIR]`: draws the figure of every method page of the docs from
/// the method catalog, so that adding a method adds its figure without editing any list.
struct DocsFiguresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs-figures",
        abstract: "Draws docs/methods/figures/*.png from the method catalog (needs MNIST and the bundled weights).")

    @Option(name: .shortAndLong, help: "Where the figures go.")
    var output: String = "docs/methods/figures"

    @Option(name: .long, parsing: .upToNextOption,
            help: "Draw only these methods' figures (their builtin names, e.g. gradCAM meaningfulPerturbation); default: all.")
    var only: [String] = []

    func validate() throws {
        let known = Set(MethodDocumentation.figureIDs)
        if let unknown = only.first(where: { !known.contains($0) }) {
            throw ValidationError("no method '\(unknown)'; the methods are " + MethodDocumentation.figureIDs.joined(separator: ", "))
        }
    }

    func run() throws {
        try NumericLibraryCheck.require(command: "docs-figures")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-docs-figures-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let host = TerminalHost(outputDirectory: scratch, terminalProgress: false)
        let session = LanguageSession(registry: .glassbox)
        let ids = only.isEmpty ? nil : Set(only)
        let script = MethodDocumentation.figureScript(only: ids)
        let files = MethodDocumentation.figureFiles(only: ids)
        if case .failure(let error) = session.execute(script, host: host) {
            let lines = TracebackRenderer(colored: false).lines(for: error, source: script)
            throw ValidationError("the figure script failed:\n" + lines.joined(separator: "\n"))
        }
        // One figure per declaration, in order: a figure call that shows more (a live display left
        // on) would shift every later file onto the wrong page.
        guard host.writtenFigures.count == files.count else {
            throw ValidationError("the figure script drew \(host.writtenFigures.count) figures for \(files.count) "
                                  + "methods; each method's figure call must display exactly one (pass liveEvery: 0 to searches)")
        }
        let target = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for (i, name) in files.enumerated() {
            let drawn = scratch.appendingPathComponent(String(format: "figure-%03d.png", i + 1))
            let destination = target.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.copyItem(at: drawn, to: destination)
            print("wrote \(destination.path)")
        }
    }
}
