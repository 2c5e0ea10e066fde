import ArgumentParser
import Foundation
import GlassboxEngine
import GlassboxKernel

/// `glassbox kernel --connection-file F`: the Jupyter kernel process a kernel manager starts.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Run the Glassbox Jupyter kernel (started by Jupyter through the installed kernelspec).")

    /// The version reported as `implementation_version`.
    static let implementationVersion = "0.1.0"

    @Option(name: [.customLong("connection-file"), .customShort("f")],
            help: "The JSON connection file written by the kernel manager.")
    var connectionFile: String

    @Option(name: .customLong("docs-dir"),
            help: "The documentation pages help(\"topic\") shows (glassbox install copies them next to kernel.json).")
    var docsDir: String?

    func run() throws {
        // SIGINT must interrupt the running cell, never kill the kernel: install the handler first.
        let signalPipe: Int32
        do {
            signalPipe = try InterruptSignal.install()
        } catch {
            FileHandle.standardError.write(Data("glassbox kernel: cannot install the SIGINT handler: \(error)\n".utf8))
            throw ExitCode(1)
        }
        signal(SIGPIPE, SIG_IGN)  // a closed stderr or socket must not kill the kernel
        // One heap for every thread, so that the trim after each cell gives back what the cell freed.
        HeapPolicy.useOneArena()
        // OpenBLAS is opened before the first cell (LanguageKernelAdapter), not here: start-up stays short.
        let connection: ConnectionFile
        do {
            connection = try ConnectionFile.load(path: connectionFile)
        } catch {
            FileHandle.standardError.write(Data("glassbox kernel: \(error)\n".utf8))
            throw ExitCode(2)
        }
        do {
            let server = try KernelServer(
                connection: connection, interpreter: LanguageKernelAdapter(docsDirectory: docsDir),
                implementationVersion: Self.implementationVersion, signalPipe: signalPipe)
            if let parent = ParentWatcher.parentPID(environment: ProcessInfo.processInfo.environment) {
                ParentWatcher.start(parentPID: parent)
            }
            if server.boundConnection != connection {
                // Ports given as 0 were chosen now: write them back, as ipykernel does.
                try server.boundConnection.jsonData.write(to: URL(fileURLWithPath: connectionFile))
            }
            // From here on, whatever the process writes to stdout/stderr during a cell is cell output.
            do {
                server.captureOutput(try ProcessOutputCapture.install())
            } catch {
                KernelLog.warning("output capture unavailable: \(error)")
            }
            server.run()
        } catch {
            FileHandle.standardError.write(Data("glassbox kernel: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
