// Fused epilogues: what GEMM/convolution kernels apply to an output tile while it is still in cache.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>

namespace mindlet {

// Activations a producer kernel can apply to its own output; the fusion pass names them with
// activation_from_name() ("relu", "relu6", "sigmoid", "tanh", "gelu", "gelu_tanh", "fast_gelu", "hswish",
// "hsigmoid", "silu"; "" or "none" = none).
enum class Activation : uint8_t { None, Relu, Relu6, Sigmoid, Tanh, Gelu, GeluTanh, FastGelu, HSwish, HSigmoid, Silu };

// Accepts the names above in any case, with or without underscores, plus MindSpore's primitive names
// (ReLU, ReLU6, Sigmoid, Tanh, GeLU, FastGeLU, HSwish, HSigmoid, SiLU). Throws EngineError UNSUPPORTED otherwise.
Activation activation_from_name(const std::string& name);
const char* activation_name(Activation a);

// Reference (scalar) definitions; vector versions in vmath.h follow these.
inline float apply_activation(float x, Activation a) {
  switch (a) {
    case Activation::None: return x;
    case Activation::Relu: return x > 0.f ? x : 0.f;
    case Activation::Relu6: return x < 0.f ? 0.f : (x > 6.f ? 6.f : x);
    case Activation::Sigmoid: return 1.f / (1.f + std::exp(-x));
    case Activation::Tanh: return std::tanh(x);
    case Activation::Gelu: return 0.5f * x * std::erfc(-x * 0.70710678118654752f);
    case Activation::GeluTanh: {
      float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.f + std::tanh(u));
    }
    case Activation::FastGelu: return x / (1.f + std::exp(-1.702f * x));
    case Activation::HSwish: {
      float r = x + 3.f;
      r = r < 0.f ? 0.f : (r > 6.f ? 6.f : r);
      return x * r * (1.f / 6.f);
    }
    case Activation::HSigmoid: {
      float r = x + 3.f;
      r = r < 0.f ? 0.f : (r > 6.f ? 6.f : r);
      return r * (1.f / 6.f);
    }
    case Activation::Silu: return x / (1.f + std::exp(-x));
  }
  return x;
}

enum class BiasKind : uint8_t { None, PerRow, PerCol };

// out[i][j] = act(acc[i][j] + bias + residual[i][j]), with i/j the absolute row/column of the GEMM output.
struct Epilogue {
  BiasKind bias_kind = BiasKind::None;
  const float* bias = nullptr;
  const float* residual = nullptr;  // same row/column indexing as C, row stride ldr
  int64_t ldr = 0;
  Activation act = Activation::None;
  bool empty() const { return bias_kind == BiasKind::None && !residual && act == Activation::None; }
};

}  // namespace mindlet
