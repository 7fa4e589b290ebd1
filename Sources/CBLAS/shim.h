// OpenBLAS's CBLAS interface plus its thread-count control (Debian: libopenblas-dev), and
// glibc's mallopt, with which the engine keeps freed activation buffers for reuse.
#include <cblas.h>
#include <malloc.h>
