import ArgumentParser
import Dispatch
import Foundation
import GlassboxLanguage

/// `glassbox run FILE [--output DIR]`: runs a script of the Glassbox language without Jupyter.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs a Glassbox script file without Jupyter.",
        discussion: """
            Text goes to stdout/stderr; every displayed figure is written as DIR/figure-001.png, \
            figure-002.png, …; an error is printed with a caret under its position and the exit code is 1. \
            Ctrl-C interrupts the running statement.
            """)

    @Argument(help: "The script to run (.gbx).")
    var file: String

    @Option(name: .shortAndLong, help: "Directory for displayed figures.")
    var output: String = "glassbox-output"

    func run() throws {
        try NumericLibraryCheck.require(command: "run")
        let source: String
        do {
            source = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read '\(file)': \(error.localizedDescription)")
        }
        let stderrIsTerminal = isatty(2) != 0
        let host = TerminalHost(outputDirectory: URL(fileURLWithPath: output), terminalProgress: stderrIsTerminal,
                                documentation: DocumentationLibrary.locate(executable: InstallCommand.executablePath()))
        let session = LanguageSession(registry: .glassbox)

        // Ctrl-C interrupts the script instead of killing the process.
        signal(SIGINT, SIG_IGN)
        let interrupts = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupts.setEventHandler { session.interrupt() }
        interrupts.resume()
        defer { interrupts.cancel() }

        switch session.execute(source, host: host) {
        case .success(let result):
            if let result { host.display(result, displayID: nil) }
        case .interrupted:
            FileHandle.standardError.write(Data("Interrupted\n".utf8))
            throw ExitCode(130)
        case .failure(let error):
            let lines = TracebackRenderer(colored: stderrIsTerminal).lines(for: error, source: source)
            FileHandle.standardError.write(Data(("\(file): " + lines.joined(separator: "\n") + "\n").utf8))
            throw ExitCode.failure
        }
    }
}
