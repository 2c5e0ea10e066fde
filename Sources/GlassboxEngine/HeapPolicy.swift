#if canImport(Glibc)
/// glibc's `int mallopt(int param, int value)` (declared in <malloc.h>, which the Glibc module
/// does not export).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// glibc's `int malloc_trim(size_t pad)`.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
/// <malloc.h>: M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3, M_ARENA_MAX = -8.
private let mallocTrimThreshold: Int32 = -1
private let mallocMmapThreshold: Int32 = -3
private let mallocArenaMax: Int32 = -8
#endif

/// How the C allocator treats the multi-megabyte arrays a training step creates and frees.
///
/// glibc serves blocks above `M_MMAP_THRESHOLD` with fresh `mmap` pages and returns free heap tops
/// above `M_TRIM_THRESHOLD` to the system. A CNN training step (batch 100) allocates and frees
/// dozens of 1–20 MB tensors, so by default every step pays page faults on memory it just gave
/// back: measured on CNN-MAX-B, about half of the step time. The policy keeps such blocks on the
/// heap (mmap only above 32 MB, trim only above 512 MB of free top), as PyTorch's caching
/// allocator does; the peak memory of a step is kept for the next step instead of being unmapped.
///
/// It is applied once, automatically, when the first `Tensor` is made; `apply()` may be called
/// earlier (e.g. at program start). It changes process-wide allocator settings, and does nothing
/// on platforms without glibc.
public enum HeapPolicy {
    /// Blocks at least this large are still mapped individually.
    public static let mmapThreshold = 32 << 20
    /// Free memory at the top of the heap beyond this is returned to the system.
    public static let trimThreshold = 512 << 20

    /// Whether the settings were accepted (false off glibc or when `mallopt` refused them).
    public static let isApplied: Bool = {
        #if canImport(Glibc)
        let mmap = glibcMallopt(mallocMmapThreshold, Int32(mmapThreshold))
        let trim = glibcMallopt(mallocTrimThreshold, Int32(trimThreshold))
        return mmap == 1 && trim == 1
        #else
        return false
        #endif
    }()

    /// Gives the free memory of every heap arena back to the system (glibc's `malloc_trim(0)`): what a
    /// finished piece of work (a notebook cell) freed stops counting as resident. Returns whether
    /// anything was released (always false off glibc).
    @discardableResult
    public static func releaseFreeMemory() -> Bool {
        #if canImport(Glibc)
        return glibcMallocTrim(0) == 1
        #else
        return false
        #endif
    }

    /// Makes every thread allocate from the one main heap (glibc's `M_ARENA_MAX` = 1) instead of giving
    /// worker threads arenas of their own; call it before starting threads. A long-lived process that
    /// trims its heap after each piece of work (the kernel, after each cell) needs it: `malloc_trim`
    /// returns the free top of the main heap but not that of a thread's arena, which the trim
    /// threshold keeps, so memory a parallel explanation pass freed stayed resident (measured: 20 MB
    /// after one Guided Backprop pass over 200 cluttered images, 90 MB after chapter 4.2). Returns
    /// whether glibc accepted it.
    @discardableResult
    public static func useOneArena() -> Bool {
        #if canImport(Glibc)
        return glibcMallopt(mallocArenaMax, 1) == 1
        #else
        return false
        #endif
    }

    /// Applies the policy (once; later calls do nothing) and returns whether it is in force.
    @discardableResult
    public static func apply() -> Bool { isApplied }
}
