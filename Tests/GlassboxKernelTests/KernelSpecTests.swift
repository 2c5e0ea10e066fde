import Foundation
import XCTest

@testable import GlassboxKernel

final class KernelSpecTests: XCTestCase {
    func testLocations() {
        let home = "/home/ada"
        XCTAssertEqual(KernelSpecLocation.user.kernelsDirectory(environment: [:], home: home), "/home/ada/.local/share/jupyter/kernels")
        XCTAssertEqual(KernelSpecLocation.user.kernelsDirectory(environment: ["XDG_DATA_HOME": "/x"], home: home), "/x/jupyter/kernels")
        XCTAssertEqual(KernelSpecLocation.user.kernelsDirectory(environment: ["JUPYTER_DATA_DIR": "/j", "XDG_DATA_HOME": "/x"], home: home),
                       "/j/kernels")
        XCTAssertEqual(KernelSpecLocation.prefix("/opt/p").kernelsDirectory(environment: [:], home: home), "/opt/p/share/jupyter/kernels")
        XCTAssertEqual(KernelSpecLocation.sysPrefix.kernelsDirectory(environment: ["VIRTUAL_ENV": "/venv"], home: home),
                       "/venv/share/jupyter/kernels")
        XCTAssertEqual(KernelSpecLocation.sysPrefix.kernelsDirectory(environment: [:], home: home), "/usr/local/share/jupyter/kernels")
    }

    func testInstallWritesKernelJSONAndFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gb-spec-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = KernelSpec(executable: "/opt/glassbox/bin/glassbox", displayName: "Glassbox")
        let written = try KernelSpecInstaller.install(spec, name: "gb", kernelsDirectory: directory,
                                                      files: ["logo-32x32.png": Data([0x89, 0x50])])
        XCTAssertEqual(written, directory + "/gb")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: written + "/kernel.json"))) as? [String: Any])
        XCTAssertEqual(json["argv"] as? [String], ["/opt/glassbox/bin/glassbox", "kernel", "--connection-file", "{connection_file}"])
        XCTAssertEqual(json["display_name"] as? String, "Glassbox")
        XCTAssertEqual(json["language"] as? String, "glassbox")
        XCTAssertEqual(json["interrupt_mode"] as? String, "message")
        XCTAssertEqual((json["metadata"] as? [String: Any])?["supported_encryption"] as? [String], ["curve"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: written + "/logo-32x32.png")), Data([0x89, 0x50]))
        XCTAssertThrowsError(try KernelSpecInstaller.install(spec, name: "../evil", kernelsDirectory: directory, files: [:]))
        XCTAssertThrowsError(try KernelSpecInstaller.install(spec, name: "x", kernelsDirectory: "/proc/no-such-dir", files: [:]))
    }

    func testPagerRequests() {
        XCTAssertEqual(PagerRequest(code: "print?"), PagerRequest(name: "print", detailLevel: 0))
        XCTAssertEqual(PagerRequest(code: "?print"), PagerRequest(name: "print", detailLevel: 0))
        XCTAssertEqual(PagerRequest(code: " model.layers?? \n"), PagerRequest(name: "model.layers", detailLevel: 1))
        XCTAssertNil(PagerRequest(code: "print"))
        XCTAssertNil(PagerRequest(code: "x ? 1 : 2"))
        XCTAssertNil(PagerRequest(code: "1?"))
        XCTAssertNil(PagerRequest(code: "a???"))
    }
}
