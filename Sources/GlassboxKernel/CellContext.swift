import Foundation

/// The `ExecutionContext` of one running cell: publishes its output on IOPub with the
/// execute_request as parent, and asks for input over the stdin channel.
final class CellContext: ExecutionContext {
    let executionCount: Int
    let allowsStdin: Bool
    private let request: WireMessage
    private let publisher: IOPubPublisher
    private let stdin: ZMQSocket
    private let signer: MessageSigner
    private let signatures: SignatureHistory
    private let headers: MessageHeaderFactory
    private let relay: InterruptRelay
    private let shutdown: ShutdownCoordinator
    private let streams: StreamCoalescer
    private let exitLock = NSLock()
    private var exitRequest: Bool?

    /// `keepKernel` of the last exit request of the cell, or nil when it asked for none.
    var requestedExit: Bool? { exitLock.withLock { exitRequest } }

    init(request: WireMessage, executionCount: Int, allowsStdin: Bool, publisher: IOPubPublisher,
         stdin: ZMQSocket, signer: MessageSigner, signatures: SignatureHistory, headers: MessageHeaderFactory, relay: InterruptRelay,
         shutdown: ShutdownCoordinator) {
        self.request = request
        self.executionCount = executionCount
        self.allowsStdin = allowsStdin
        self.publisher = publisher
        self.stdin = stdin
        self.signer = signer
        self.signatures = signatures
        self.headers = headers
        self.relay = relay
        self.shutdown = shutdown
        self.streams = StreamCoalescer(publisher: publisher, parent: request.rawHeader)
    }

    /// Publishes buffered stream text; the kernel calls this before the cell's result or error.
    func flushStreams() {
        streams.flush()
    }

    func stream(_ text: String, to stream: OutputStreamName) {
        streams.write(text, to: stream)
    }

    func display(_ bundle: MimeBundle, displayID: String?) {
        streams.flush()
        var content: [String: Any] = ["data": bundle.jsonData, "metadata": bundle.jsonMetadata]
        if let displayID { content["transient"] = ["display_id": displayID] }
        publisher.publish("display_data", content: content, parent: request.rawHeader)
    }

    func updateDisplay(_ bundle: MimeBundle, displayID: String) {
        streams.flush()
        let content: [String: Any] = [
            "data": bundle.jsonData, "metadata": bundle.jsonMetadata, "transient": ["display_id": displayID],
        ]
        publisher.publish("update_display_data", content: content, parent: request.rawHeader)
    }

    func requestExit(keepKernel: Bool) {
        exitLock.withLock { exitRequest = keepKernel }
    }

    func clearOutput(wait: Bool) {
        streams.flush()
        publisher.publish("clear_output", content: ["wait": wait], parent: request.rawHeader)
    }

    func requestInput(prompt: String, password: Bool) throws -> String {
        guard allowsStdin else {
            throw InputUnavailable(reason: "input was requested, but this frontend does not support input requests")
        }
        streams.flush()  // the prompt must come after what the cell printed so far
        while (try? stdin.receive(dontWait: true)) != nil {}  // stale replies from an earlier request
        let frames = WireMessage.encode(
            identities: request.identities, header: headers.header(msgType: "input_request"),
            parentHeader: request.rawHeader, content: ["prompt": prompt, "password": password], signer: signer)
        do {
            try stdin.send(frames)
        } catch {
            throw InputUnavailable(reason: "could not send input_request: \(error)")
        }
        while true {
            if relay.wasInterrupted { throw InputUnavailable(reason: "interrupted while waiting for input") }
            if shutdown.isRequested { throw InputUnavailable(reason: "the kernel is shutting down") }
            let ready: [Bool]
            do {
                ready = try ZMQPoll.readable([.socket(stdin)], timeoutMilliseconds: 50)
            } catch {
                throw InputUnavailable(reason: "stdin channel closed: \(error)")
            }
            guard ready[0], let reply = try? stdin.receive(dontWait: true) else { continue }
            do {
                let message = try WireMessage.decode(reply, signer: signer, history: signatures)
                guard message.msgType == "input_reply" else {
                    KernelLog.warning("stdin: ignoring \(message.msgType)")
                    continue
                }
                return message.content["value"] as? String ?? ""
            } catch {
                KernelLog.warning("stdin: dropped message: \(error)")
            }
        }
    }
}
