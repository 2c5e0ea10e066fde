import CZeroMQ
import Foundation
import XCTest

@testable import GlassboxKernel

/// Runs a real `KernelServer` in-process with the scripted interpreter and talks to it over TCP.
final class KernelServerTests: XCTestCase {
    final class Client {
        let context: ZMQContext
        let shell: ZMQSocket
        let control: ZMQSocket
        let iopub: ZMQSocket
        let signer: MessageSigner
        let headers = MessageHeaderFactory(session: "client-session", username: "test")

        init(connection: ConnectionFile) throws {
            context = try ZMQContext()
            signer = MessageSigner(key: connection.key)
            shell = try ZMQSocket(context: context, type: .dealer)
            control = try ZMQSocket(context: context, type: .dealer)
            iopub = try ZMQSocket(context: context, type: .sub)
            for socket in [shell, control, iopub] { try socket.setOption(ZMQ_LINGER, 0) }
            try iopub.setOption(ZMQ_SUBSCRIBE, bytes: [])
            try shell.connect(connection.endpoint(for: .shell))
            try control.connect(connection.endpoint(for: .control))
            try iopub.connect(connection.endpoint(for: .iopub))
        }

        func send(_ msgType: String, _ content: [String: Any], on socket: ZMQSocket) throws -> String {
            let header = headers.header(msgType: msgType)
            try socket.send(WireMessage.encode(identities: [], header: header, parentHeader: Data("{}".utf8),
                                               content: content, signer: signer))
            return header["msg_id"] as! String
        }

        func receive(_ socket: ZMQSocket, timeout: Int = 5000) throws -> WireMessage? {
            guard try ZMQPoll.readable([.socket(socket)], timeoutMilliseconds: timeout)[0],
                  let frames = try socket.receive(dontWait: true) else { return nil }
            return try WireMessage.decode(frames, signer: signer)
        }

        /// IOPub messages for `parent` up to its idle status.
        func outputs(of parent: String) throws -> [WireMessage] {
            var collected: [WireMessage] = []
            while let message = try receive(iopub) {
                guard message.parentHeader["msg_id"] as? String == parent else { continue }
                collected.append(message)
                if message.msgType == "status", message.content["execution_state"] as? String == "idle" { break }
            }
            return collected
        }

        func close() {
            for socket in [shell, control, iopub] { socket.close() }
            context.terminate()
        }
    }

    func freePorts(_ count: Int) throws -> [Int] {
        let context = try ZMQContext()
        var sockets: [ZMQSocket] = []
        var ports: [Int] = []
        for _ in 0..<count {
            let socket = try ZMQSocket(context: context, type: .router)
            try socket.setOption(ZMQ_LINGER, 0)
            try socket.bind("tcp://127.0.0.1:*")
            ports.append(Int(socket.lastEndpoint.split(separator: ":").last!)!)
            sockets.append(socket)
        }
        sockets.forEach { $0.close() }
        context.terminate()
        return ports
    }

    func testExecuteDisplayAndShutdown() throws {
        let ports = try freePorts(5)
        let connection = ConnectionFile(shellPort: ports[0], iopubPort: ports[1], stdinPort: ports[2], controlPort: ports[3],
                                        hbPort: ports[4], key: Array("k3y".utf8))
        let server = try KernelServer(connection: connection, interpreter: ScriptedInterpreter(), implementationVersion: "9.9")
        let finished = expectation(description: "server stopped")
        nonisolated(unsafe) let unsafeServer = server
        Thread.detachNewThread {
            unsafeServer.run()
            finished.fulfill()
        }
        let client = try Client(connection: connection)
        defer { client.close() }

        // kernel_info until IOPub is connected (the SUB subscription is asynchronous)
        var info: WireMessage?
        for _ in 0..<50 where info == nil {
            let id = try client.send("kernel_info_request", [:], on: client.shell)
            info = try client.receive(client.shell, timeout: 1000)
            XCTAssertEqual(info?.parentHeader["msg_id"] as? String, id)
            if try client.receive(client.iopub, timeout: 200) == nil { info = nil }
        }
        let reply = try XCTUnwrap(info)
        XCTAssertEqual(reply.content["implementation_version"] as? String, "9.9")
        XCTAssertEqual((reply.content["language_info"] as? [String: Any])?["codemirror_mode"] as? String, "swift")
        XCTAssertEqual((reply.content["help_links"] as? [[String: Any]])?.first?["text"] as? String, "Glassbox")
        while try client.receive(client.iopub, timeout: 200) != nil {}

        let id = try client.send("execute_request", ["code": "print(\"hi\")\nprogress(2)\nlet y = 5\ny * 2", "silent": false,
                                                     "store_history": true, "user_expressions": [String: Any](),
                                                     "allow_stdin": false, "stop_on_error": true], on: client.shell)
        let executeReply = try XCTUnwrap(client.receive(client.shell))
        XCTAssertEqual(executeReply.msgType, "execute_reply")
        XCTAssertEqual(executeReply.content["status"] as? String, "ok")
        XCTAssertEqual(JSONFields.int(executeReply.content, "execution_count"), 1)
        let outputs = try client.outputs(of: id)
        XCTAssertEqual(outputs.map(\.msgType), ["status", "execute_input", "stream", "display_data", "update_display_data",
                                                "update_display_data", "execute_result", "status"])
        XCTAssertEqual(outputs[2].content["text"] as? String, "hi\n")
        XCTAssertEqual((outputs[3].content["transient"] as? [String: Any])?["display_id"] as? String, "progress-1")
        XCTAssertEqual((outputs[5].content["data"] as? [String: Any])?["text/plain"] as? String, "2/2")
        XCTAssertEqual((outputs[6].content["data"] as? [String: Any])?["text/plain"] as? String, "10")
        XCTAssertEqual(JSONFields.int(outputs[6].content, "execution_count"), 1)

        let complete = try client.send("complete_request", ["code": "let a = pri", "cursor_pos": 11], on: client.shell)
        let completeReply = try XCTUnwrap(client.receive(client.shell))
        XCTAssertEqual(completeReply.parentHeader["msg_id"] as? String, complete)
        XCTAssertEqual(completeReply.content["matches"] as? [String], ["print"])
        XCTAssertEqual(JSONFields.int(completeReply.content, "cursor_start"), 8)
        XCTAssertEqual(JSONFields.int(completeReply.content, "cursor_end"), 11)

        _ = try client.send("is_complete_request", ["code": "print(1 +"], on: client.shell)
        XCTAssertEqual(try client.receive(client.shell)?.content["status"] as? String, "incomplete")

        // Stream output is coalesced in order; other output flushes it first.
        let lines = (0..<500).map { "print(\"line \($0)\")" }.joined(separator: "\n")
        let many = try client.send("execute_request", ["code": "print(\"a\")\nwarn(\"b\")\nprint(\"c\")\nprint(\"d\")\n" + lines,
                                                       "silent": false], on: client.shell)
        XCTAssertEqual(try client.receive(client.shell)?.content["status"] as? String, "ok")
        let streams = try client.outputs(of: many).filter { $0.msgType == "stream" }
        XCTAssertLessThan(streams.count, 20)
        XCTAssertEqual(streams.first?.content["text"] as? String, "a\n")
        XCTAssertEqual(streams.dropFirst().first?.content["name"] as? String, "stderr")
        let stdout = streams.dropFirst(2).compactMap { $0.content["text"] as? String }.joined()
        XCTAssertEqual(stdout, "c\nd\n" + (0..<500).map { "line \($0)\n" }.joined())

        // Text printed before a long computation shows up while it runs, not at the end.
        let slow = try client.send("execute_request", ["code": "print(\"early\")\nsleep(1)", "silent": false], on: client.shell)
        let started = Date()
        var earlyAt: TimeInterval?
        while earlyAt == nil, let message = try client.receive(client.iopub, timeout: 3000) {
            if message.parentHeader["msg_id"] as? String == slow, message.msgType == "stream" {
                earlyAt = Date().timeIntervalSince(started)
            }
        }
        XCTAssertLessThan(try XCTUnwrap(earlyAt), 0.5)
        XCTAssertEqual(try client.receive(client.shell)?.content["status"] as? String, "ok")

        _ = try client.send("shutdown_request", ["restart": false], on: client.control)
        let shutdownReply = try XCTUnwrap(client.receive(client.control))
        XCTAssertEqual(JSONFields.bool(shutdownReply.content, "restart"), false)
        wait(for: [finished], timeout: 5)
    }
}
