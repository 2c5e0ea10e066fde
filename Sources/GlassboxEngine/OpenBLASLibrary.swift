import COpenBLAS
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// OpenBLAS, opened with `dlopen` at the first matrix product instead of linked at start-up, so
/// that Glassbox can pick its kernels before OpenBLAS detects the processor.
///
/// OpenBLAS chooses its kernels once, when the library is loaded, from the processor it detects
/// or from `$OPENBLAS_CORETYPE`. OpenBLAS 0.3.21 (Debian 12) does not know AMD's AVX-512
/// processors (Zen 4 and later) and runs its AVX2 "Haswell" kernels on them: measured on this
/// project's 2-core Zen 5 machines, sgemm 2048³ gives 205 GFLOP/s with them and 394 GFLOP/s with the
/// AVX-512 "SkylakeX" kernels, and a CNN-MAX-B training step runs 1.35× faster. So on an AMD
/// processor whose `/proc/cpuinfo` lists avx512f, avx512dq, avx512bw and avx512vl, Glassbox asks
/// for SKYLAKEX (what newer OpenBLAS releases pick there by themselves). A user's own
/// `$OPENBLAS_CORETYPE` always wins, and the variable is restored after loading so child processes
/// see the environment they were given.
enum OpenBLASLibrary {
    typealias SgemmFunction = @convention(c) (
        CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, Int32, Int32, Int32, Float,
        UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void

    /// The functions Glassbox calls, resolved from the loaded library.
    struct Functions: @unchecked Sendable {
        let sgemm: SgemmFunction
        let getThreadCount: @convention(c) () -> Int32
        let setThreadCount: @convention(c) (Int32) -> Void
        /// OpenBLAS's name for the kernels it runs ("SkylakeX", "Haswell", …).
        let coreName: String
        /// The core type Glassbox asked for, or nil when OpenBLAS chose (or the user did).
        let requestedCoreType: String?
    }

    /// The library names tried, in order.
    static let candidates = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.0.dylib"]

    /// Loaded on first use (Swift initialises a static once, thread-safely).
    static let loaded: Result<Functions, EngineError> = load()

    /// The functions; stops the process with the loading error when OpenBLAS could not be opened
    /// (programs call `MatrixProduct.loadLibrary()` at start to report that cleanly instead).
    static var functions: Functions {
        switch loaded {
        case .success(let functions): return functions
        case .failure(let error): fatalError("\(error)")
        }
    }

    /// The core type to request: "SKYLAKEX" on an AMD processor with the AVX-512 subsets OpenBLAS's
    /// SkylakeX kernels use, unless `$OPENBLAS_CORETYPE` is set; nil otherwise.
    static func preferredCoreType(environment: [String: String], cpuInfo: String) -> String? {
        if let chosen = environment["OPENBLAS_CORETYPE"], !chosen.isEmpty { return nil }
        var vendor = "", flags = Set<Substring>()
        for line in cpuInfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingWhitespace, value = parts[1].trimmingWhitespace
            if key == "vendor_id", vendor.isEmpty { vendor = String(value) }
            if key == "flags", flags.isEmpty { flags = Set(value.split(separator: " ")) }
            if !vendor.isEmpty, !flags.isEmpty { break }
        }
        let required: [Substring] = ["avx512f", "avx512dq", "avx512bw", "avx512vl"]
        return vendor == "AuthenticAMD" && required.allSatisfy(flags.contains) ? "SKYLAKEX" : nil
    }

    private static func load() -> Result<Functions, EngineError> {
        open(candidates: candidates, environment: currentEnvironment(), cpuInfo: (try? readTextFile("/proc/cpuinfo")) ?? "")
    }

    /// Opens the first of `candidates` that loads, after requesting `preferredCoreType` kernels.
    static func open(candidates: [String], environment: [String: String], cpuInfo: String) -> Result<Functions, EngineError> {
        let requested = preferredCoreType(environment: environment, cpuInfo: cpuInfo)
        if let requested { setenv("OPENBLAS_CORETYPE", requested, 1) }
        var handle: UnsafeMutableRawPointer?
        var errors: [String] = []
        for name in candidates {
            handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL)
            if handle != nil { break }
            errors.append(dlerror().map { String(cString: $0) } ?? name)
        }
        if requested != nil { unsetenv("OPENBLAS_CORETYPE") }
        guard let handle else {
            return .failure(.invalidArgument(operation: "OpenBLAS", message: "Glassbox needs OpenBLAS and could not load it: "
                + errors.joined(separator: "; ") + ". On Debian or Ubuntu: apt-get install libopenblas0"))
        }
        var missing: [String] = []
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            guard let address = dlsym(handle, name) else {
                missing.append(name)
                return nil
            }
            return unsafeBitCast(address, to: type)
        }
        typealias CoreNameFunction = @convention(c) () -> UnsafeMutablePointer<CChar>?
        let coreName = symbol("openblas_get_corename", as: CoreNameFunction.self)
            .flatMap { $0() }.map { String(cString: $0) } ?? "unknown"
        missing.removeAll()  // the core name is optional
        let sgemm = symbol("cblas_sgemm", as: SgemmFunction.self)
        let getThreads = symbol("openblas_get_num_threads", as: (@convention(c) () -> Int32).self)
        let setThreads = symbol("openblas_set_num_threads", as: (@convention(c) (Int32) -> Void).self)
        guard let sgemm, let getThreads, let setThreads else {
            return .failure(.invalidArgument(operation: "OpenBLAS", message: "the OpenBLAS library that was loaded lacks "
                + missing.joined(separator: ", ")))
        }
        // $GLASSBOX_THREADS holds OpenBLAS to as many threads, unless OpenBLAS's own variable says otherwise.
        if getenv("GLASSBOX_THREADS") != nil, getenv("OPENBLAS_NUM_THREADS") == nil, getThreads() > Int32(ParallelLoop.width) {
            setThreads(Int32(ParallelLoop.width))
        }
        return .success(Functions(sgemm: sgemm, getThreadCount: getThreads, setThreadCount: setThreads, coreName: coreName,
                                  requestedCoreType: requested))
    }

    private static func currentEnvironment() -> [String: String] {
        guard let value = getenv("OPENBLAS_CORETYPE") else { return [:] }
        return ["OPENBLAS_CORETYPE": String(cString: value)]
    }

    private static func readTextFile(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else { throw EngineError.invalidArgument(operation: "open", message: "cannot open \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 14)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
            if bytes.count > 1 << 20 { break }  // the first processors are enough
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Substring {
    fileprivate var trimmingWhitespace: Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return s
    }
}
