import Foundation
import XCTest
@testable import GlassboxEngine

/// Which OpenBLAS kernels Glassbox asks for, and that the library it opened is the one in use.
final class OpenBLASLibraryTests: XCTestCase {
    private let zen4 = """
        processor\t: 0
        vendor_id\t: AuthenticAMD
        model name\t: AMD EPYC 9R14
        flags\t\t: fpu sse avx avx2 fma avx512f avx512dq avx512bw avx512vl avx512cd
        
        processor\t: 1
        vendor_id\t: AuthenticAMD
        flags\t\t: fpu sse avx avx2 fma avx512f avx512dq avx512bw avx512vl avx512cd
        """

    func testAVX512KernelsAreRequestedOnAnAMDProcessorWithAVX512() {
        XCTAssertEqual(OpenBLASLibrary.preferredCoreType(environment: [:], cpuInfo: zen4), "SKYLAKEX")
    }

    func testTheUsersCoreTypeWinsAndOtherProcessorsAreLeftToOpenBLAS() {
        XCTAssertNil(OpenBLASLibrary.preferredCoreType(environment: ["OPENBLAS_CORETYPE": "HASWELL"], cpuInfo: zen4))
        let zen3 = zen4.replacingOccurrences(of: " avx512f avx512dq avx512bw avx512vl avx512cd", with: "")
        XCTAssertNil(OpenBLASLibrary.preferredCoreType(environment: [:], cpuInfo: zen3))
        let partial = zen4.replacingOccurrences(of: " avx512bw", with: "")
        XCTAssertNil(OpenBLASLibrary.preferredCoreType(environment: [:], cpuInfo: partial))
        let intel = zen4.replacingOccurrences(of: "AuthenticAMD", with: "GenuineIntel")
        XCTAssertNil(OpenBLASLibrary.preferredCoreType(environment: [:], cpuInfo: intel), "OpenBLAS knows Intel's AVX-512 parts")
        XCTAssertNil(OpenBLASLibrary.preferredCoreType(environment: [:], cpuInfo: ""))
    }

    func testTheLoadedLibraryRunsTheRequestedKernelsAndLeavesTheEnvironmentAlone() throws {
        let library = OpenBLASLibrary.functions
        XCTAssertGreaterThanOrEqual(library.getThreadCount(), 1)
        if library.requestedCoreType == "SKYLAKEX" {
            XCTAssertEqual(library.coreName.lowercased(), "skylakex", MatrixProduct.kernelDescription)
        }
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            XCTAssertNil(getenv("OPENBLAS_CORETYPE"), "the request must not leak into child processes")
        }
        // On this machine: the request follows /proc/cpuinfo.
        if let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            XCTAssertEqual(library.requestedCoreType,
                           OpenBLASLibrary.preferredCoreType(environment: ProcessInfo.processInfo.environment, cpuInfo: cpuInfo))
        }
    }

    func testAMissingLibraryIsOneClearErrorNamingWhatWasTriedAndTheFix() {
        let result = OpenBLASLibrary.open(candidates: ["libglassbox-no-such-blas.so.9"],
                                          environment: ["OPENBLAS_CORETYPE": "HASWELL"], cpuInfo: "")
        guard case .failure(let error) = result else { return XCTFail("a library that does not exist was opened") }
        let message = "\(error)"
        XCTAssertTrue(message.contains("libglassbox-no-such-blas.so.9"), message)
        XCTAssertTrue(message.contains("apt-get install libopenblas0"), message)
        XCTAssertNoThrow(try MatrixProduct.loadLibrary(), "the real library loads")
    }
}
