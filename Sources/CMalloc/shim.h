// The C allocator's view of the heap, for the kernel's memory budget (GlassboxEngine/MemoryBudget).
#ifndef GLASSBOX_CMALLOC_SHIM_H
#define GLASSBOX_CMALLOC_SHIM_H
#include <stddef.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
/// Bytes the program has allocated and not freed: chunks in use in every arena plus mmapped blocks.
static inline size_t glassbox_heap_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
#else
    return 0;
#endif
}
#else
static inline size_t glassbox_heap_in_use(void) { return 0; }
#endif
#endif
