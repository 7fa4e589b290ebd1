// OpenBLAS's CBLAS interface plus its thread-count control (Debian: libopenblas-dev), and
// glibc's mallopt, with which the engine keeps freed activation buffers for reuse.
#include <cblas.h>
#include <malloc.h>

// LAPACK's divide-and-conquer symmetric eigensolver as OpenBLAS exports it (gfortran's calling
// convention: the lengths of the character arguments follow the others).
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_length, size_t uplo_length);
