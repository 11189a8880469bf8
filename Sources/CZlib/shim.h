// zlib (Debian: zlib1g-dev) for inflating deflated .npz members and their CRC-32.
#include <zlib.h>
