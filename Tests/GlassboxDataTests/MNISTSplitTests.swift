import GlassboxData
import GlassboxEngine
import XCTest

final class MNISTSplitTests: XCTestCase {
    func testSplitsFromRawContents() throws {
        let train = try TinyDataSet(count: 30)
        let test = try TinyDataSet(count: 20)
        let mnist = try MNIST(trainImages: train.images, trainLabels: train.labels, testImages: test.images,
                              testLabels: test.labels, validationCount: 8)
        XCTAssertEqual(mnist.validation.count, 8)
        XCTAssertEqual(mnist.train.count, 22)
        XCTAssertEqual(mnist.test.count, 20)
        XCTAssertEqual(mnist.train.images.shape, [22, 1, 4, 3])
        // Train starts at original index 8: label 8, first pixel (8*7) % 256 = 56 → 56/255.
        XCTAssertEqual(mnist.train.labels.first, 8)
        XCTAssertEqual(mnist.train.images.scalars[0], Float(56) / 255)
        XCTAssertEqual(mnist.validation.labels, (0..<8).map { $0 % 10 })
        // Every value is byte/255 exactly.
        for (value, byte) in zip(mnist.test.images.scalars, test.images.pixels) {
            XCTAssertEqual(value, Float(byte) / 255)
        }
        XCTAssertEqual(mnist.split(.train), mnist.train)
        XCTAssertEqual(mnist.split(.test), mnist.test)
    }

    func testInconsistentContentsAreRejected() throws {
        let train = try TinyDataSet(count: 30)
        let test = try TinyDataSet(count: 20)
        assertDataError(try MNIST(trainImages: train.images, trainLabels: test.labels, testImages: test.images,
                                  testLabels: test.labels, validationCount: 5)) { error in
            XCTAssertEqual(error, .countMismatch(path: "train labels", expected: 30, found: 20))
        }
        assertDataError(try MNIST(trainImages: train.images, trainLabels: train.labels, testImages: test.images,
                                  testLabels: test.labels, validationCount: 31))
        var badLabels = test.labels
        badLabels.labels[7] = 12
        assertDataError(try MNIST(trainImages: train.images, trainLabels: train.labels, testImages: test.images,
                                  testLabels: badLabels, validationCount: 5)) { error in
            XCTAssertEqual(error, .badLabel(path: "test labels", index: 7, value: 12, allowed: 0...9))
        }
    }

    func testFloatPixelsAreByteOver255() {
        let bytes: [UInt8] = Array(0...255)
        let values = MNIST.floatPixels(bytes[...])
        XCTAssertEqual(values.count, 256)
        for i in 0..<256 { XCTAssertEqual(values[i], Float(i) / 255) }
        XCTAssertEqual(values[255], 1)
        XCTAssertEqual(MNIST.floatPixels(bytes[10..<12]), [Float(10) / 255, Float(11) / 255])
    }
}
