import Foundation
import GlassboxEngine
import XCTest
@testable import GlassboxLanguage

/// Random cells made of the language's own pieces never crash the lexer, parser, interpreter,
/// completion, inspection or the completeness check; every error has a location.
final class RobustnessTests: XCTestCase {
    private static let pieces = [
        "let ", "var ", "x", "xs", "y", " = ", " += ", "1", "2.5", "0", "-", "+", "*", "/", "%", "(", ")", "[", "]",
        "{", "}", ",", ".", "..<", "...", "\"s\\(x)\"", "\"", "\\(", "if ", "else ", "for ", " in ", "break", "continue",
        "print(", "round(", "digits: ", "sqrt(", "tensor(", "zeros(", "xs[", ".count", ".sum()", "true", "false", "nil",
        "==", "<", "&&", "||", "!", "\n", ";", " ", "//c\n", "/*", "*/", "é", "😀", "colormap(", "type(of: ",
    ]

    func testRandomCellsNeverCrash() {
        var random = SeededRandom(seed: 20261122)
        let session = LanguageSession()
        let host = RecordingHost()
        _ = session.execute("var x = 1; let xs = [1, 2, 3]; var y = 2.5", host: host)
        for _ in 0..<1500 {
            let length = Int(random.next() % 24) + 1
            var code = ""
            for _ in 0..<length {
                code += RobustnessTests.pieces[Int(random.next() % UInt64(RobustnessTests.pieces.count))]
            }
            let scalarCount = code.unicodeScalars.count
            _ = session.isComplete(code)
            let cursor = Int(random.next() % UInt64(scalarCount + 1))
            let completion = session.complete(code, cursor: cursor)
            XCTAssertLessThanOrEqual(completion.start, cursor)
            XCTAssertGreaterThanOrEqual(completion.end, cursor)
            _ = session.inspect(code, cursor: cursor)
            // Run only cells without loops that might not end, and without colormaps (slow to draw).
            if !code.contains("while") && !code.contains("for ") && !code.contains("colormap") {
                if case .failure(let error) = session.execute(code, host: host) {
                    XCTAssertNotNil(error.range, "error without location for \(code.debugDescription): \(error)")
                    _ = TracebackRenderer().lines(for: error, source: code)
                }
            }
        }
    }
}
