// zlib (Debian: zlib1g-dev): SoftLabelService's gzip request bodies and responses, and
// SoftLabelNumPy's deflated .npz members and their CRC-32.
// inflateInit2/deflateInit2 are function-like macros (they pass ZLIB_VERSION and
// sizeof(z_stream)), which Swift does not import: one typed inline function each, fixed to the
// gzip format (window bits 15 + 16: RFC 1952 header and trailer, no zlib or raw deflate).
#ifndef SOFTLABEL_CZLIB_SHIM_H
#define SOFTLABEL_CZLIB_SHIM_H
#include <zlib.h>

/// Inflate gzip members only (a zlib or raw deflate stream is a data error).
static inline int softlabel_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}
/// Deflate into one gzip member at `level` (0-9), zlib's default memory level and strategy.
static inline int softlabel_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
}
#endif
