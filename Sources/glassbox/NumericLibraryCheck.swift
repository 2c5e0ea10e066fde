import ArgumentParser
import Foundation
import GlassboxEngine

/// Opens OpenBLAS when a command starts, so that a missing or broken library is one clear line on
/// stderr and exit status 1 — not a stop at the first matrix product, in the middle of a session.
enum NumericLibraryCheck {
    static func require(command: String) throws {
        do {
            try MatrixProduct.loadLibrary()
        } catch {
            FileHandle.standardError.write(Data("glassbox \(command): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
