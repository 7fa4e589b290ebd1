#include "ConvolutionKernels.h"

#include <stdlib.h>
#include <string.h>

// Register blocking per level, chosen by timing `weightgen bench zoo` at each level
// (WEIGHTGEN_KERNELS): 16 vector registers at the portable and AVX2 levels, 32 at AVX-512.

#define WG_SUFFIX portable
#define WG_TARGET
#define WG_WIDTH 4
#define WG_FORWARD_CHANNELS 8
#define WG_FORWARD_VECTORS 1
#define WG_GRADIENT_TAPS 2
#define WG_GRADIENT_CHANNELS 4
#include "ShiftedCorrelation.inc"

#if defined(__x86_64__) && defined(__clang__)
#define WG_SUFFIX avx2
#define WG_TARGET __attribute__((target("avx2,fma")))
#define WG_WIDTH 8
#define WG_FORWARD_CHANNELS 4
#define WG_FORWARD_VECTORS 2
#define WG_GRADIENT_TAPS 2
#define WG_GRADIENT_CHANNELS 4
#include "ShiftedCorrelation.inc"

#define WG_SUFFIX avx512
#define WG_TARGET __attribute__((target("avx512f,fma")))
#define WG_WIDTH 16
#define WG_FORWARD_CHANNELS 8
#define WG_FORWARD_VECTORS 1
#define WG_GRADIENT_TAPS 3
#define WG_GRADIENT_CHANNELS 8
#include "ShiftedCorrelation.inc"
#endif

typedef void (*correlation_kernel)(const float *, size_t, const float *, size_t, const ptrdiff_t *, size_t, size_t,
                                   size_t, size_t, float *);
typedef void (*weight_gradient_kernel)(const float *, size_t, const float *, size_t, const ptrdiff_t *, size_t, size_t,
                                       size_t, size_t, float *);

// Indexed by wg_level; where the x86 levels are not compiled, the portable kernels stand in.
static const struct {
    correlation_kernel correlation;
    weight_gradient_kernel weight_gradient;
} kernels[] = {
    {correlation_portable, weight_gradient_portable},
#if defined(__x86_64__) && defined(__clang__)
    {correlation_avx2, weight_gradient_avx2},
    {correlation_avx512, weight_gradient_avx512},
#else
    {correlation_portable, weight_gradient_portable},
    {correlation_portable, weight_gradient_portable},
#endif
};

wg_level wg_best_level(void) {
#if defined(__x86_64__) && defined(__clang__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return wg_level_avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return wg_level_avx2;
#endif
    return wg_level_portable;
}

void wg_shifted_correlation(wg_level level, const float *x, size_t in_channels, const float *weight,
                            size_t out_channels, const ptrdiff_t *offsets, size_t taps, size_t plane,
                            size_t start, size_t length, float *out) {
    size_t blocks = (out_channels + WG_CHANNEL_BLOCK - 1) / WG_CHANNEL_BLOCK;
    float *packed = calloc(blocks * in_channels * taps * WG_CHANNEL_BLOCK + 1, sizeof(float));
    if (packed == NULL) abort();
    for (size_t c = 0; c < out_channels; c++)
        for (size_t i = 0; i < in_channels; i++)
            for (size_t t = 0; t < taps; t++)
                packed[(((c / WG_CHANNEL_BLOCK) * in_channels + i) * taps + t) * WG_CHANNEL_BLOCK + c % WG_CHANNEL_BLOCK] =
                    weight[(c * in_channels + i) * taps + t];
    kernels[level].correlation(x, in_channels, packed, blocks, offsets, taps, plane, start, length, out);
    free(packed);
}

void wg_shifted_correlation_weight_gradient(wg_level level, const float *x, size_t in_channels, const float *dy,
                                            size_t out_channels, const ptrdiff_t *offsets, size_t taps,
                                            size_t plane, size_t start, size_t length, float *grad_weight) {
    kernels[level].weight_gradient(x, in_channels, dy, out_channels, offsets, taps, plane, start, length, grad_weight);
}
