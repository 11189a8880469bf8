// Typed, non-variadic wrappers over libcurl's variadic setters: Swift does not import C variadic
// functions ("Variadic function is unavailable"), so each argument type gets one inline function.
#ifndef SOFTLABEL_CCURL_SHIM_H
#define SOFTLABEL_CCURL_SHIM_H
#include <curl/curl.h>

static inline CURLcode softlabel_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode softlabel_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode softlabel_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode softlabel_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*softlabel_curl_data_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode softlabel_easy_setopt_data_callback(CURL *handle, CURLoption option, softlabel_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}
static inline CURLcode softlabel_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode softlabel_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLMcode softlabel_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}
#endif
