import Foundation
import XCTest

@testable import GlassboxKernel

final class MessageHeaderTests: XCTestCase {
    func testISODateHasMicrosecondsAndUTC() {
        // 1_700_000_000 s = 2023-11-14T22:13:20Z
        XCTAssertEqual(MessageHeaderFactory.isoDate(Date(timeIntervalSince1970: 1_700_000_000.25)),
                       "2023-11-14T22:13:20.250000Z")
        XCTAssertEqual(MessageHeaderFactory.isoDate(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000000Z")
        XCTAssertEqual(MessageHeaderFactory.isoDate(Date(timeIntervalSince1970: 951_782_400.000_007)),
                       "2000-02-29T00:00:00.000007Z")
        // rounding up to a whole second carries into the seconds
        XCTAssertEqual(MessageHeaderFactory.isoDate(Date(timeIntervalSince1970: 59.999_999_9)), "1970-01-01T00:01:00.000000Z")
    }

    func testHeaderFields() {
        let factory = MessageHeaderFactory(session: "abc", username: "kernel")
        let header = factory.header(msgType: "status")
        XCTAssertEqual(Set(header.keys), ["msg_id", "session", "username", "date", "msg_type", "version"])
        XCTAssertEqual(header["version"] as? String, "5.3")
        XCTAssertEqual(header["msg_type"] as? String, "status")
        XCTAssertEqual(header["session"] as? String, "abc")
        let id = header["msg_id"] as? String ?? ""
        XCTAssertNotNil(UUID(uuidString: id))
        XCTAssertNotEqual(id, factory.header(msgType: "status")["msg_id"] as? String)
        let date = header["date"] as? String ?? ""
        XCTAssertNotNil(date.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression), date)
    }
}
