// A GET over libcurl's easy interface, with libcurl opened by dlopen on first use. The option and
// info numbers are libcurl's documented ABI values (curl/curl.h), fixed since libcurl 7.x.
#include "glassbox_curl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum {
    OPT_WRITEDATA = 10001,
    OPT_URL = 10002,
    OPT_ERRORBUFFER = 10010,
    OPT_LOW_SPEED_LIMIT = 19,
    OPT_LOW_SPEED_TIME = 20,
    OPT_FOLLOWLOCATION = 52,
    OPT_CONNECTTIMEOUT = 78,
    OPT_NOSIGNAL = 99,
    OPT_WRITEFUNCTION = 20011,
    INFO_RESPONSE_CODE = 0x200002,
    GLOBAL_DEFAULT = 3,
    ERROR_SIZE = 256,
};

typedef void CURL;
typedef size_t (*write_callback)(char *, size_t, size_t, void *);

static struct {
    int loaded;
    char problem[256];
    int (*global_init)(long);
    CURL *(*easy_init)(void);
    int (*easy_setopt)(CURL *, int, ...);
    int (*easy_perform)(CURL *);
    int (*easy_getinfo)(CURL *, int, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(int);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load_library(void) {
    const char *names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"};
    void *handle = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && handle == NULL; i++) {
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (handle == NULL) {
        snprintf(curl.problem, sizeof curl.problem, "cannot load libcurl (libcurl.so.4): %s", dlerror());
        return;
    }
    curl.global_init = (int (*)(long))dlsym(handle, "curl_global_init");
    curl.easy_init = (CURL * (*)(void)) dlsym(handle, "curl_easy_init");
    curl.easy_setopt = (int (*)(CURL *, int, ...))dlsym(handle, "curl_easy_setopt");
    curl.easy_perform = (int (*)(CURL *))dlsym(handle, "curl_easy_perform");
    curl.easy_getinfo = (int (*)(CURL *, int, ...))dlsym(handle, "curl_easy_getinfo");
    curl.easy_cleanup = (void (*)(CURL *))dlsym(handle, "curl_easy_cleanup");
    curl.easy_strerror = (const char *(*)(int))dlsym(handle, "curl_easy_strerror");
    if (!curl.global_init || !curl.easy_init || !curl.easy_setopt || !curl.easy_perform || !curl.easy_getinfo ||
        !curl.easy_cleanup || !curl.easy_strerror) {
        snprintf(curl.problem, sizeof curl.problem, "libcurl lacks the easy interface");
        return;
    }
    if (curl.global_init(GLOBAL_DEFAULT) != 0) {
        snprintf(curl.problem, sizeof curl.problem, "libcurl did not initialise");
        return;
    }
    curl.loaded = 1;
}

typedef struct {
    glassbox_curl_sink sink;
    void *context;
} sink_call;

static size_t write_body(char *bytes, size_t size, size_t count, void *data) {
    sink_call *call = (sink_call *)data;
    size_t total = size * count;
    return call->sink(bytes, total, call->context) == 0 ? total : 0;
}

glassbox_curl_result glassbox_curl_get(const char *url, long connect_timeout, long stall_timeout,
                                       glassbox_curl_sink sink, void *context) {
    glassbox_curl_result result;
    memset(&result, 0, sizeof result);
    pthread_once(&load_once, load_library);
    if (!curl.loaded) {
        result.outcome = 1;
        snprintf(result.message, sizeof result.message, "%s", curl.problem);
        return result;
    }
    CURL *easy = curl.easy_init();
    if (easy == NULL) {
        result.outcome = 2;
        snprintf(result.message, sizeof result.message, "libcurl could not start a transfer");
        return result;
    }
    char error[ERROR_SIZE];
    error[0] = 0;
    sink_call call = {sink, context};
    curl.easy_setopt(easy, OPT_URL, url);
    curl.easy_setopt(easy, OPT_ERRORBUFFER, error);
    curl.easy_setopt(easy, OPT_WRITEFUNCTION, (write_callback)write_body);
    curl.easy_setopt(easy, OPT_WRITEDATA, (void *)&call);
    curl.easy_setopt(easy, OPT_FOLLOWLOCATION, 1L);
    curl.easy_setopt(easy, OPT_NOSIGNAL, 1L);
    curl.easy_setopt(easy, OPT_CONNECTTIMEOUT, connect_timeout);
    curl.easy_setopt(easy, OPT_LOW_SPEED_LIMIT, 1L);
    curl.easy_setopt(easy, OPT_LOW_SPEED_TIME, stall_timeout);
    int code = curl.easy_perform(easy);
    long status = 0;
    curl.easy_getinfo(easy, INFO_RESPONSE_CODE, &status);
    result.http_status = status;
    if (code != 0) {
        result.outcome = 2;
        snprintf(result.message, sizeof result.message, "%s", error[0] ? error : curl.easy_strerror(code));
    }
    curl.easy_cleanup(easy);
    return result;
}
