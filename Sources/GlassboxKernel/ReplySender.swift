import Foundation

/// Sends replies on a ROUTER socket back to the requester, with the request's header as parent.
struct ReplySender {
    let signer: MessageSigner
    let headers: MessageHeaderFactory

    func send(_ msgType: String, content: [String: Any], to request: WireMessage, on socket: ZMQSocket,
              metadata: [String: Any] = [:]) {
        let frames = WireMessage.encode(
            identities: request.identities, header: headers.header(msgType: msgType),
            parentHeader: request.rawHeader, metadata: metadata, content: content, signer: signer)
        do {
            try socket.send(frames)
        } catch {
            KernelLog.warning("could not send \(msgType): \(error)")
        }
    }
}
