import ArgumentParser
import Foundation
import GlassboxKernel
import GlassboxLanguage

/// `glassbox install`: writes the kernelspec so that Jupyter lists "Glassbox".
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the Glassbox kernelspec (default: for the current user).")

    @Flag(help: "Install for the current user (JUPYTER_DATA_DIR, else ~/.local/share/jupyter). The default.")
    var user = false

    @Option(help: "Install under <prefix>/share/jupyter/kernels.")
    var prefix: String?

    @Flag(name: .customLong("sys-prefix"), help: "Install into the active environment ($VIRTUAL_ENV), else /usr/local.")
    var sysPrefix = false

    @Option(help: "The kernel name (the directory name).")
    var name = "glassbox"

    @Option(name: .customLong("display-name"), help: "The name shown in Jupyter's launcher.")
    var displayName = "Glassbox"

    func validate() throws {
        if [user, prefix != nil, sysPrefix].filter({ $0 }).count > 1 {
            throw ValidationError("choose only one of --user, --prefix and --sys-prefix")
        }
        if !KernelSpecInstaller.isValidName(name) {
            throw ValidationError("invalid kernel name \"\(name)\" (use letters, digits, '.', '_', '-')")
        }
    }

    func run() throws {
        let location: KernelSpecLocation = if let prefix { .prefix(Self.absolute(prefix)) } else if sysPrefix { .sysPrefix } else { .user }
        let kernels = location.kernelsDirectory(
            environment: ProcessInfo.processInfo.environment, home: FileManager.default.homeDirectoryForCurrentUser.path)
        // interrupt_mode "message": interrupt_request on the control channel works wherever the
        // kernel runs (containers, wrappers, remote managers); SIGINT is handled as well.
        // The documentation pages go along, so that help("language") works wherever the kernel runs.
        let docs = DocumentationLibrary.checkoutDocs(executable: Self.executablePath()).flatMap { DocumentationLibrary(directory: $0) }
        var files = KernelLogos.files
        var arguments: [String] = []
        if let docs {
            for (path, contents) in docs.installableFiles() { files["docs/" + path] = contents }
            arguments = ["--docs-dir", kernels + "/" + name + "/docs"]
        }
        let spec = KernelSpec(executable: Self.executablePath(), displayName: displayName, interruptMode: "message",
                              arguments: arguments)
        do {
            let directory = try KernelSpecInstaller.install(spec, name: name, kernelsDirectory: kernels, files: files)
            print("Installed kernelspec \(name) in \(directory)")
            if docs == nil {
                print("(no docs/ folder was found next to this binary, so help(\"language\") and the other pages are not installed)")
            }
        } catch {
            FileHandle.standardError.write(Data("glassbox install: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The absolute path of this binary (symlinks resolved).
    static func executablePath() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        return absolute(CommandLine.arguments[0])
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/" + path).standardizedFileURL.path
    }
}
