import GlassboxData
import GlassboxEngine
import GlassboxFigures
import GlassboxMethods
import GlassboxModels

/// Turns errors of the data, model and figure modules into script errors that name the builtin.
enum BindingErrors {
    /// Runs `body`, converting module errors into a `ScriptError` prefixed with `function`.
    static func translating<T>(_ function: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ScriptError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as MemoryExhausted {
            throw ScriptError(.memory, "\(function): \(error.description)")
        } catch let error as DataError {
            throw ScriptError(.value, "\(function): \(error.description)")
        } catch let error as MethodError {
            throw ScriptError(.value, "\(function): \(error.message)")
        } catch let error as LayerError {
            throw ScriptError(.value, "\(function): \(error.description)")
        } catch let error as FigureError {
            throw ScriptError(.value, "\(function): \(error.description)")
        } catch let error as CustomStringConvertible {
            throw ScriptError(.runtime, "\(function): \(error.description)")
        } catch {
            throw ScriptError(.runtime, "\(function): \(error)")
        }
    }
}
