#include "epilogue.h"

#include <cctype>

#include "engine/tensor.h"

namespace mindlet {

Activation activation_from_name(const std::string& name) {
  std::string k;
  for (char ch : name)
    if (ch != '_' && ch != '-') k += char(std::tolower(static_cast<unsigned char>(ch)));
  if (k.empty() || k == "none" || k == "identity") return Activation::None;
  if (k == "relu") return Activation::Relu;
  if (k == "relu6") return Activation::Relu6;
  if (k == "sigmoid") return Activation::Sigmoid;
  if (k == "tanh") return Activation::Tanh;
  if (k == "gelu") return Activation::Gelu;
  if (k == "gelutanh") return Activation::GeluTanh;
  if (k == "fastgelu") return Activation::FastGelu;
  if (k == "hswish" || k == "hardswish") return Activation::HSwish;
  if (k == "hsigmoid" || k == "hardsigmoid") return Activation::HSigmoid;
  if (k == "silu" || k == "swish") return Activation::Silu;
  MINDLET_FAIL("UNSUPPORTED", "activation '" + name + "' cannot be fused");
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::None: return "none";
    case Activation::Relu: return "relu";
    case Activation::Relu6: return "relu6";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Tanh: return "tanh";
    case Activation::Gelu: return "gelu";
    case Activation::GeluTanh: return "gelu_tanh";
    case Activation::FastGelu: return "fast_gelu";
    case Activation::HSwish: return "hswish";
    case Activation::HSigmoid: return "hsigmoid";
    case Activation::Silu: return "silu";
  }
  return "none";
}

}  // namespace mindlet
