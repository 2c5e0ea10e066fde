import ArgumentParser
import Foundation
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

    func run() throws {
        let connection: ConnectionFile
        do {
            connection = try ConnectionFile.load(path: connectionFile)
        } catch {
            FileHandle.standardError.write(Data("glassbox kernel: \(error)\n".utf8))
            throw ExitCode(2)
        }
        do {
            // SIGINT must interrupt the running cell, never kill the kernel.
            let signalPipe = try InterruptSignal.install()
            let server = try KernelServer(
                connection: connection, interpreter: LanguageKernelAdapter(),
                implementationVersion: Self.implementationVersion, signalPipe: signalPipe)
            server.run()
        } catch {
            FileHandle.standardError.write(Data("glassbox kernel: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
