// Direct kernels for stride-1 "same" convolutions with few channels, where im2col + GEMM spends
// most of its time copying: the input is laid out as zero-padded planes, so every kernel tap is
// a constant shift of one flat index and no column matrix is built. Plain C loops over
// compiler vector types, compiled once per instruction-set level and chosen at run time, so
// one binary runs on any x86-64 CPU and uses AVX-512 or AVX2 where the CPU has them.
#ifndef WEIGHTGEN_CONVOLUTION_KERNELS_H
#define WEIGHTGEN_CONVOLUTION_KERNELS_H

#include <stddef.h>

/// Instruction-set levels the kernels are compiled for.
typedef enum {
    wg_level_portable = 0,
    wg_level_avx2 = 1,
    wg_level_avx512 = 2,
} wg_level;

/// The highest level this CPU runs.
wg_level wg_best_level(void);

/// Output channels computed together; buffers of output rows are padded to a multiple of it.
#define WG_CHANNEL_BLOCK 8
/// Positions computed together at the widest level: `length` must be a multiple of it.
#define WG_POSITION_BLOCK 16

/// Shifted correlation: for c in [0, out_channels) and q in [start, start + length),
///   out[c·plane + q] = Σ_i Σ_t weight[(c·in_channels + i)·taps + t] · x[i·plane + q + offsets[t]].
/// `x` and `out` hold one row of `plane` floats per channel; `out` must hold
/// ⌈out_channels / WG_CHANNEL_BLOCK⌉·WG_CHANNEL_BLOCK rows (the extra rows are scratch).
/// Every read x[i·plane + q + offsets[t]] must lie inside row i.
void wg_shifted_correlation(wg_level level, const float *x, size_t in_channels, const float *weight,
                            size_t out_channels, const ptrdiff_t *offsets, size_t taps, size_t plane,
                            size_t start, size_t length, float *out);

/// Its weight gradient, added to `grad_weight` ([out_channels, in_channels, taps]):
///   grad_weight[(c·in_channels + i)·taps + t] += Σ_q dy[c·plane + q] · x[i·plane + q + offsets[t]]
/// over q in [start, start + length). `dy` must hold ⌈out_channels / WG_CHANNEL_BLOCK⌉·WG_CHANNEL_BLOCK
/// rows, the extra ones zero.
void wg_shifted_correlation_weight_gradient(wg_level level, const float *x, size_t in_channels, const float *dy,
                                            size_t out_channels, const ptrdiff_t *offsets, size_t taps,
                                            size_t plane, size_t start, size_t length, float *grad_weight);

#endif
