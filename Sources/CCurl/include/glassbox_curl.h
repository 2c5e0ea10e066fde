#ifndef GLASSBOX_CURL_H
#define GLASSBOX_CURL_H

#include <stddef.h>

/// Receives each piece of a response body; returns 0 to go on, non-zero to abort the transfer.
typedef int (*glassbox_curl_sink)(const void *bytes, size_t count, void *context);

/// Outcome of one transfer.
typedef struct {
    /// 0: the transfer completed (whatever the HTTP status); 1: libcurl could not be loaded;
    /// 2: the transfer failed (no connection, timeout, aborted…), `message` says why.
    int outcome;
    /// The HTTP status of the last response (0 when there was none).
    long http_status;
    char message[512];
} glassbox_curl_result;

/// GETs `url` with libcurl, opened with dlopen at the first call (so that a program that never
/// downloads never loads it), following redirects; `connect_timeout` and `stall_timeout` in seconds
/// (a transfer slower than 1 byte/s for `stall_timeout` seconds is abandoned).
glassbox_curl_result glassbox_curl_get(const char *url, long connect_timeout, long stall_timeout,
                                       glassbox_curl_sink sink, void *context);

#endif
