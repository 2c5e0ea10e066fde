import Foundation

/// The shell channel: runs requests one at a time on the calling thread, owns the execution
/// count, the history and the stdin socket.
final class ShellChannel {
    private let socket: ZMQSocket
    private let stdin: ZMQSocket
    private let interpreter: any KernelInterpreter
    private let signer: MessageSigner
    private let signatures: SignatureHistory
    private let headers: MessageHeaderFactory
    private let replies: ReplySender
    private let publisher: IOPubPublisher
    private let identity: KernelIdentity
    private let relay: InterruptRelay
    private let shutdown: ShutdownCoordinator
    private let connection: ConnectionFile
    /// Set before serving starts (see `KernelServer.captureOutput`).
    var outputCapture: ProcessOutputCapture?
    private(set) var executionCount = 0
    private(set) var history = ExecutionHistory()

    init(socket: ZMQSocket, stdin: ZMQSocket, interpreter: any KernelInterpreter, signer: MessageSigner,
         signatures: SignatureHistory, headers: MessageHeaderFactory, publisher: IOPubPublisher, identity: KernelIdentity,
         relay: InterruptRelay, shutdown: ShutdownCoordinator, connection: ConnectionFile) {
        self.socket = socket
        self.stdin = stdin
        self.interpreter = interpreter
        self.signer = signer
        self.signatures = signatures
        self.headers = headers
        self.replies = ReplySender(signer: signer, headers: headers)
        self.publisher = publisher
        self.identity = identity
        self.relay = relay
        self.shutdown = shutdown
        self.connection = connection
    }

    /// Serves requests until shutdown; then closes the shell and stdin sockets.
    func run() {
        loop: while !shutdown.isRequested {
            do {
                let ready = try ZMQPoll.readable([.socket(socket)], timeoutMilliseconds: -1)
                guard ready[0] else { continue }
                while !shutdown.isRequested, let frames = try socket.receive(dontWait: true) {
                    handle(frames)
                }
            } catch let error as ZMQError where error.isContextTerminated {
                break loop
            } catch {
                KernelLog.warning("shell: \(error)")
            }
        }
        socket.close()
        stdin.close()
    }

    private func decode(_ frames: [Data]) -> WireMessage? {
        do {
            return try WireMessage.decode(frames, signer: signer, history: signatures)
        } catch {
            KernelLog.warning("shell: dropped message: \(error)")
            return nil
        }
    }

    private func handle(_ frames: [Data]) {
        guard let request = decode(frames) else { return }
        handle(request)
    }

    private func handle(_ request: WireMessage) {
        publisher.publishStatus("busy", parent: request.rawHeader)
        var aborted: [WireMessage] = []
        switch request.msgType {
        case "execute_request":
            aborted = execute(request)
        case "kernel_info_request":
            replies.send("kernel_info_reply", content: identity.kernelInfoContent, to: request, on: socket)
        case "complete_request":
            complete(request)
        case "inspect_request":
            inspect(request)
        case "is_complete_request":
            isComplete(request)
        case "history_request":
            historyReply(request)
        case "comm_info_request":
            replies.send("comm_info_reply", content: ["status": "ok", "comms": [String: Any]()], to: request, on: socket)
        case "comm_open":
            // No comm targets exist: close the comm at once, as ipykernel does for unknown targets.
            let commID = JSONFields.string(request.content, "comm_id") ?? ""
            KernelLog.warning("comm_open for unknown target \"\(JSONFields.string(request.content, "target_name") ?? "")\"")
            publisher.publish("comm_close", content: ["comm_id": commID, "data": [String: Any]()], parent: request.rawHeader)
        case "comm_msg", "comm_close":
            break
        case "connect_request":
            var content: [String: Any] = ["status": "ok"]
            for channel in ConnectionFile.Channel.allCases { content["\(channel.rawValue)_port"] = connection.port(of: channel) }
            replies.send("connect_reply", content: content, to: request, on: socket)
        case "shutdown_request":
            shutdown.answer(request, replies: replies, on: socket)
            return
        default:
            KernelLog.warning("shell: unknown message type \"\(request.msgType)\" ignored")
        }
        publisher.publishStatus("idle", parent: request.rawHeader)
        for queued in aborted {
            if queued.msgType == "execute_request" {
                publisher.publishStatus("busy", parent: queued.rawHeader)
                replies.send("execute_reply", content: ["status": "aborted"], to: queued, on: socket,
                             metadata: ["status": "aborted"])
                publisher.publishStatus("idle", parent: queued.rawHeader)
            } else {
                handle(queued)
            }
        }
    }

    /// Runs a cell; returns the requests queued behind it when it failed with `stop_on_error`.
    private func execute(_ request: WireMessage) -> [WireMessage] {
        let content = request.content
        guard let code = JSONFields.string(content, "code") else {
            KernelLog.warning("shell: execute_request without a string \"code\"")
            let problem = "execute_request content has no string field \"code\""
            replies.send("execute_reply", content: [
                "status": "error", "ename": "InvalidRequest", "evalue": problem, "traceback": ["InvalidRequest: \(problem)"],
                "execution_count": executionCount, "user_expressions": [String: Any](), "payload": [[String: Any]](),
            ], to: request, on: socket)
            return []
        }
        let silent = JSONFields.bool(content, "silent") ?? false
        let storeHistory = silent ? false : (JSONFields.bool(content, "store_history") ?? true)
        let allowStdin = JSONFields.bool(content, "allow_stdin") ?? true
        let stopOnError = JSONFields.bool(content, "stop_on_error") ?? true

        if storeHistory { executionCount += 1 }
        let count = executionCount
        if !silent {
            publisher.publish("execute_input", content: ["code": code, "execution_count": count], parent: request.rawHeader)
        }
        if storeHistory { history.record(line: count, input: code) }

        var payload: [[String: Any]] = []
        let outcome: ExecutionOutcome
        if let help = PagerRequest(code: code) {
            if let bundle = interpreter.inspect(code: help.name, cursorPosition: help.name.unicodeScalars.count,
                                                detailLevel: help.detailLevel) {
                payload.append(["source": "page", "data": bundle.jsonData, "start": 0])
            } else {
                publisher.publish("stream", content: ["name": "stdout", "text": "Object `\(help.name)` not found.\n"],
                                  parent: request.rawHeader)
            }
            outcome = .ok(result: nil)
        } else {
            let context = CellContext(
                request: request, executionCount: count, allowsStdin: allowStdin, publisher: publisher, stdin: stdin,
                signer: signer, signatures: signatures, headers: headers, relay: relay, shutdown: shutdown)
            outputCapture?.attach { [context] text, stream in context.stream(text, to: stream) }
            relay.beginExecution()
            outcome = interpreter.execute(code: code, context: context)
            relay.endExecution()
            outputCapture?.detach()
            context.flushStreams()
            if let keepKernel = context.requestedExit {
                payload.append(["source": "ask_exit", "keepkernel": keepKernel])
            }
        }

        var reply: [String: Any] = ["execution_count": count, "user_expressions": [String: Any]()]
        let failure: (name: String, value: String, traceback: [String])?
        switch outcome {
        case .ok(let result):
            failure = nil
            if let result, !silent {
                publisher.publish("execute_result", content: [
                    "execution_count": count, "data": result.jsonData, "metadata": result.jsonMetadata,
                ], parent: request.rawHeader)
                if storeHistory, let text = result.data["text/plain"] { history.setOutput(text, line: count) }
            }
        case .error(let name, let value, let traceback):
            failure = (name, value, traceback)
        case .interrupted:
            failure = ("KeyboardInterrupt", "execution was interrupted", ["KeyboardInterrupt: execution was interrupted"])
        }
        var queued: [WireMessage] = []
        if let failure {
            publisher.publish("error", content: [
                "ename": failure.name, "evalue": failure.value, "traceback": failure.traceback,
            ], parent: request.rawHeader)
            reply["status"] = "error"
            reply["ename"] = failure.name
            reply["evalue"] = failure.value
            reply["traceback"] = failure.traceback
            if stopOnError {
                // Everything that arrived before this reply goes out is aborted (execute) or served.
                while let frames = try? socket.receive(dontWait: true) {
                    if let message = decode(frames) { queued.append(message) }
                }
            }
        } else {
            reply["status"] = "ok"
            reply["payload"] = payload
        }
        if reply["payload"] == nil { reply["payload"] = [[String: Any]]() }
        replies.send("execute_reply", content: reply, to: request, on: socket)
        return queued
    }

    private func cursor(_ content: [String: Any], code: String) -> Int {
        let length = code.unicodeScalars.count
        guard let position = JSONFields.int(content, "cursor_pos") else { return length }
        return min(max(position, 0), length)
    }

    private func complete(_ request: WireMessage) {
        let code = JSONFields.string(request.content, "code") ?? ""
        let result = interpreter.complete(code: code, cursorPosition: cursor(request.content, code: code))
        var metadata: [String: Any] = [:]
        if !result.types.isEmpty {
            metadata["_jupyter_types_experimental"] = result.types.map {
                ["text": $0.text, "type": $0.type, "signature": $0.signature,
                 "start": result.cursorStart, "end": result.cursorEnd] as [String: Any]
            }
        }
        replies.send("complete_reply", content: [
            "status": "ok", "matches": result.matches, "cursor_start": result.cursorStart,
            "cursor_end": result.cursorEnd, "metadata": metadata,
        ], to: request, on: socket)
    }

    private func inspect(_ request: WireMessage) {
        let code = JSONFields.string(request.content, "code") ?? ""
        let detail = JSONFields.int(request.content, "detail_level") ?? 0
        let bundle = interpreter.inspect(code: code, cursorPosition: cursor(request.content, code: code), detailLevel: detail)
        replies.send("inspect_reply", content: [
            "status": "ok", "found": bundle != nil, "data": bundle?.jsonData ?? [:],
            "metadata": bundle?.jsonMetadata ?? [:],
        ], to: request, on: socket)
    }

    private func isComplete(_ request: WireMessage) {
        let code = JSONFields.string(request.content, "code") ?? ""
        var content: [String: Any]
        switch interpreter.isComplete(code: code) {
        case .complete: content = ["status": "complete"]
        case .incomplete(let indent): content = ["status": "incomplete", "indent": indent]
        case .invalid: content = ["status": "invalid"]
        case .unknown: content = ["status": "unknown"]
        }
        replies.send("is_complete_reply", content: content, to: request, on: socket)
    }

    private func historyReply(_ request: WireMessage) {
        let content = request.content
        let output = JSONFields.bool(content, "output") ?? false
        let entries: [HistoryEntry]
        switch JSONFields.string(content, "hist_access_type") ?? "tail" {
        case "range":
            entries = history.range(
                session: JSONFields.int(content, "session") ?? 0, start: JSONFields.int(content, "start") ?? 1,
                stop: JSONFields.int(content, "stop"))
        case "search":
            entries = history.search(
                pattern: JSONFields.string(content, "pattern") ?? "*", n: JSONFields.int(content, "n"),
                unique: JSONFields.bool(content, "unique") ?? false)
        default:
            entries = history.tail(JSONFields.int(content, "n") ?? 10)
        }
        let rows: [[Any]] = entries.map { entry in
            if output {
                return [entry.session, entry.line, [entry.input, entry.output.map { $0 as Any } ?? NSNull()]]
            }
            return [entry.session, entry.line, entry.input]
        }
        replies.send("history_reply", content: ["status": "ok", "history": rows], to: request, on: socket)
    }
}

/// IPython-style help requests `name?`, `?name` (and `??` for more detail), answered from
/// `inspect` with a pager payload. Only a bare dotted name qualifies.
struct PagerRequest: Equatable {
    var name: String
    var detailLevel: Int
}

extension PagerRequest {
    init?(code: String) {
        var text = code.trimmingCharacters(in: .whitespacesAndNewlines)
        var marks = 0
        while text.hasSuffix("?") {
            text.removeLast()
            marks += 1
        }
        if marks == 0 {
            while text.hasPrefix("?") {
                text.removeFirst()
                marks += 1
            }
        }
        guard (1...2).contains(marks), let first = text.unicodeScalars.first,
              first == "_" || CharacterSet.letters.contains(first),
              text.unicodeScalars.allSatisfy({ $0 == "_" || $0 == "." || CharacterSet.alphanumerics.contains($0) })
        else { return nil }
        self.init(name: text, detailLevel: marks - 1)
    }
}
