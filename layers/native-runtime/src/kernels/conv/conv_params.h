// Convolution attributes as MindSpore writes them, and the output geometry they imply.
#pragma once
#include <cstdint>
#include <string>

#include "engine/attrs.h"
#include "engine/tensor.h"

namespace mindlet::conv {

enum class PadMode : uint8_t { Pad = 0, Same = 1, Valid = 2 };  // MindSpore's PadMode enum values

struct ConvParams {
  int64_t kh = 0, kw = 0;  // 0 = take from the weight
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  PadMode pad_mode = PadMode::Valid;
  int64_t pad[4] = {0, 0, 0, 0};  // top, bottom, left, right (pad mode only)
  int64_t group = 1;
  int64_t out_channel = 0;  // 0 = not given
};

// Reads kernel_size, stride, dilation (2 or 4 long, NCHW order), pad_mode (string any case, or 0/1/2), pad_list
// or pad, group and format. Throws EngineError (INVALID_GRAPH / UNSUPPORTED for NHWC) with `where` in the message.
ConvParams parse_conv_params(const Attrs& attrs, const std::string& where);

// Spatial geometry of one convolution axis.
struct Axis {
  int64_t in = 0, out = 0, pad_before = 0, pad_after = 0;
};
// Forward convolution: output size and padding of one axis (k = kernel, s = stride, d = dilation).
// Returns false when the output would be empty or negative.
bool forward_axis(int64_t in, int64_t k, int64_t s, int64_t d, PadMode mode, int64_t pb, int64_t pa, Axis* out);

// How a Conv2D is computed. Auto picks by shape; tests and benchmarks force one (kernels fall back to Direct
// when the forced one does not apply).
//  Direct: C[OC, OH·OW] = W · im2col(x), W packed as the A operand (1×1 stride 1 reads x directly).
//  Winograd: F(4×4, 3×3) for 3×3 stride 1 (see winograd.h).
//  Transposed: Cᵀ[OH·OW, OC] = im2col(x)ᵀ · Wᵀ, for small output planes where OH·OW is too narrow for the
//    vector width but OC is wide; the result is transposed into place.
enum class ConvAlgo : int { Auto = -1, Direct = 0, Winograd = 1, Transposed = 2 };
void set_conv_algo_override(ConvAlgo a);
ConvAlgo conv_algo_override();

}  // namespace mindlet::conv
