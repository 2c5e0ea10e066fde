/// The one seam between the Jupyter protocol and a language.
///
/// The kernel owns sockets, signing, threads, history and message bookkeeping; an interpreter owns
/// everything about the language. Like xeus's `xinterpreter`, the interface is five requests
/// (execute, complete, inspect, is_complete, kernel_info) plus `interrupt`.
///
/// Threading: `execute`, `complete`, `inspect` and `isComplete` are called one at a time from the
/// kernel's shell thread. `interrupt()` is called from another thread (control channel or SIGINT)
/// while `execute` may be running; it must only set a flag that the running work checks.
///
/// Cursor positions are counted in Unicode scalars (code points), as protocol 5.2+ specifies.
public protocol KernelInterpreter: AnyObject {
    /// Facts about the language for `kernel_info_reply`.
    var languageInfo: LanguageInfo { get }
    /// The banner shown by consoles.
    var banner: String { get }
    /// Links shown in JupyterLab's Help menu.
    var helpLinks: [HelpLink] { get }

    /// Runs one cell. Output produced while running goes through `context`; the value of the cell
    /// (if any) is returned in `.ok(result:)` and published by the kernel as `execute_result`.
    func execute(code: String, context: ExecutionContext) -> ExecutionOutcome
    /// Completion candidates for the word around `cursorPosition`.
    func complete(code: String, cursorPosition: Int) -> CompletionResult
    /// Help for the name around `cursorPosition` (Shift-Tab); `nil` when nothing is found.
    func inspect(code: String, cursorPosition: Int, detailLevel: Int) -> MimeBundle?
    /// Whether `code` is ready to run (Enter in a console runs it) or needs more lines.
    func isComplete(code: String) -> CompletenessStatus
    /// Asks the running `execute` to stop as soon as possible. Safe to call from any thread.
    func interrupt()
}

/// The `language_info` block of `kernel_info_reply`.
public struct LanguageInfo: Sendable, Equatable {
    public var name: String
    public var version: String
    public var mimetype: String
    public var fileExtension: String
    public var codemirrorMode: String
    public var pygmentsLexer: String

    public init(
        name: String, version: String, mimetype: String, fileExtension: String,
        codemirrorMode: String, pygmentsLexer: String
    ) {
        self.name = name
        self.version = version
        self.mimetype = mimetype
        self.fileExtension = fileExtension
        self.codemirrorMode = codemirrorMode
        self.pygmentsLexer = pygmentsLexer
    }
}

/// One entry of `help_links`.
public struct HelpLink: Sendable, Equatable {
    public var text: String
    public var url: String
    public init(text: String, url: String) {
        self.text = text
        self.url = url
    }
}

/// A MIME bundle as Jupyter sends it: `data` maps MIME types to payloads (text, or base64 for
/// binary types such as `image/png`); `metadata` maps MIME types to JSON objects (for PNG:
/// `width`/`height` in CSS pixels, which makes 2x images sharp on high-density screens).
public struct MimeBundle: Sendable, Equatable {
    public var data: [String: String]
    public var metadata: [String: [String: Int]]

    public init(data: [String: String], metadata: [String: [String: Int]] = [:]) {
        self.data = data
        self.metadata = metadata
    }

    /// A bundle holding only `text/plain`.
    public static func plainText(_ text: String) -> MimeBundle {
        MimeBundle(data: ["text/plain": text])
    }
}

/// What running a cell produced.
public enum ExecutionOutcome: Sendable, Equatable {
    /// The cell ran; `result` is its value to publish as `execute_result`, if any.
    case ok(result: MimeBundle?)
    /// The cell failed; published as an `error` message and an error reply.
    case error(name: String, value: String, traceback: [String])
    /// The cell was stopped by an interrupt (published as an error named `KeyboardInterrupt`-like).
    case interrupted
}

/// Which stream a piece of text goes to.
public enum OutputStreamName: String, Sendable {
    case stdout
    case stderr
}

/// What a running cell can do while it runs.
public protocol ExecutionContext: AnyObject {
    /// The execution count of the running cell.
    var executionCount: Int { get }
    /// Whether the frontend allows `input_request` for this cell.
    var allowsStdin: Bool { get }
    /// Publishes text on stdout or stderr.
    func stream(_ text: String, to stream: OutputStreamName)
    /// Publishes `display_data`; with a `displayID` the output can later be updated in place.
    func display(_ bundle: MimeBundle, displayID: String?)
    /// Publishes `update_display_data` for an earlier display with the same `displayID`.
    func updateDisplay(_ bundle: MimeBundle, displayID: String)
    /// Asks the frontend for a line of input; throws `InputUnavailable` when stdin is not allowed
    /// or the request is interrupted.
    func requestInput(prompt: String, password: Bool) throws -> String
    /// Publishes `clear_output` (with `wait`, the frontend clears when the next output arrives).
    func clearOutput(wait: Bool)
    /// Asks the frontend to close (the `ask_exit` payload of the execute_reply, as ipykernel sends for
    /// `exit`); with `keepKernel` the kernel keeps running after the frontend goes.
    func requestExit(keepKernel: Bool)
}

extension ExecutionContext {
    /// Contexts without a notebook (terminal, tests) have nothing to clear.
    public func clearOutput(wait: Bool) {}
    /// Contexts without a frontend have nothing to close.
    public func requestExit(keepKernel: Bool) {}
}

/// Thrown by `ExecutionContext.requestInput` when no answer can come.
public struct InputUnavailable: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The answer to `complete_request`. Offsets are in Unicode scalars.
public struct CompletionResult: Sendable, Equatable {
    public var matches: [String]
    public var cursorStart: Int
    public var cursorEnd: Int
    /// Optional `_jupyter_types_experimental` entries: one (text, type, signature) per match.
    public var types: [CompletionType]

    public init(matches: [String], cursorStart: Int, cursorEnd: Int, types: [CompletionType] = []) {
        self.matches = matches
        self.cursorStart = cursorStart
        self.cursorEnd = cursorEnd
        self.types = types
    }
}

/// One typed completion (JupyterLab shows the type next to the match).
public struct CompletionType: Sendable, Equatable {
    public var text: String
    public var type: String
    public var signature: String
    public init(text: String, type: String, signature: String = "") {
        self.text = text
        self.type = type
        self.signature = signature
    }
}

/// The answer to `is_complete_request`.
public enum CompletenessStatus: Sendable, Equatable {
    case complete
    case incomplete(indent: String)
    case invalid
    case unknown
}
