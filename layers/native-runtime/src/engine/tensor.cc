#include "tensor.h"

#include <cstring>
#include <new>

namespace mindlet {

#if defined(__wasm__)
FailRecord& fail_record() {
  static FailRecord record{};
  return record;
}

static void copy_truncated(char* dst, size_t cap, const char* src) {
  size_t n = std::strlen(src);
  if (n >= cap) n = cap - 1;
  std::memcpy(dst, src, n);
  dst[n] = 0;
}

void engine_fail(const char* code, const std::string& msg) {
  FailRecord& r = fail_record();
  copy_truncated(r.code, sizeof r.code, code);
  copy_truncated(r.message, sizeof r.message, msg.c_str());
  __builtin_trap();
}

void engine_out_of_memory() {
  FailRecord& r = fail_record();
  copy_truncated(r.code, sizeof r.code, "LIMIT_EXCEEDED");
  copy_truncated(r.message, sizeof r.message, "out of memory (the WebAssembly engine's 4 GiB address space is full)");
  __builtin_trap();
}
#else
void engine_fail(const char* code, const std::string& msg) { throw EngineError(code, msg); }

void engine_out_of_memory() { throw std::bad_alloc(); }
#endif

size_t dtype_size(DType t) {
  switch (t) {
    case DType::F64: case DType::I64: case DType::U64: return 8;
    case DType::F32: case DType::I32: case DType::U32: return 4;
    case DType::F16: case DType::BF16: case DType::I16: case DType::U16: return 2;
    case DType::I8: case DType::U8: case DType::Bool: return 1;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::F16: return "float16";
    case DType::BF16: return "bfloat16";
    case DType::I8: return "int8";
    case DType::I16: return "int16";
    case DType::I32: return "int32";
    case DType::I64: return "int64";
    case DType::U8: return "uint8";
    case DType::U16: return "uint16";
    case DType::U32: return "uint32";
    case DType::U64: return "uint64";
    case DType::Bool: return "bool";
  }
  return "?";
}

bool try_dtype_from_name(const std::string& n, DType* out) {
  static const std::pair<const char*, DType> table[] = {
      {"float32", DType::F32}, {"float64", DType::F64}, {"float16", DType::F16}, {"bfloat16", DType::BF16},
      {"int8", DType::I8},     {"int16", DType::I16},   {"int32", DType::I32},   {"int64", DType::I64},
      {"uint8", DType::U8},    {"uint16", DType::U16},  {"uint32", DType::U32},  {"uint64", DType::U64},
      {"bool", DType::Bool}};
  for (auto& [name, t] : table)
    if (n == name) {
      *out = t;
      return true;
    }
  return false;
}

DType dtype_from_name(const std::string& n) {
  DType t;
  if (!try_dtype_from_name(n, &t)) MINDLET_FAIL("UNSUPPORTED", "element type " + n + " is not supported by the engine");
  return t;
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0) {
    if (mant == 0) bits = sign;
    else {  // subnormal: renormalize
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) { mant <<= 1; --exp; }
      bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) bits = sign | 0x7f800000u | (mant << 13);
  else bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

double read_as_double(const void* p, DType t, int64_t i) {
  switch (t) {
    case DType::F32: return static_cast<const float*>(p)[i];
    case DType::F64: return static_cast<const double*>(p)[i];
    case DType::F16: return half_to_float(static_cast<const uint16_t*>(p)[i]);
    case DType::BF16: {
      uint32_t bits = uint32_t(static_cast<const uint16_t*>(p)[i]) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    case DType::I8: return static_cast<const int8_t*>(p)[i];
    case DType::I16: return static_cast<const int16_t*>(p)[i];
    case DType::I32: return static_cast<const int32_t*>(p)[i];
    case DType::I64: return double(static_cast<const int64_t*>(p)[i]);
    case DType::U8: case DType::Bool: return static_cast<const uint8_t*>(p)[i];
    case DType::U16: return static_cast<const uint16_t*>(p)[i];
    case DType::U32: return static_cast<const uint32_t*>(p)[i];
    case DType::U64: return double(static_cast<const uint64_t*>(p)[i]);
  }
  return 0;
}

int64_t read_as_int(const void* p, DType t, int64_t i) {
  switch (t) {
    case DType::I64: return static_cast<const int64_t*>(p)[i];
    case DType::U64: return int64_t(static_cast<const uint64_t*>(p)[i]);
    case DType::I32: return static_cast<const int32_t*>(p)[i];
    default: return static_cast<int64_t>(read_as_double(p, t, i));
  }
}

void write_from_double(void* p, DType t, int64_t i, double v) {
  switch (t) {
    case DType::F32: static_cast<float*>(p)[i] = float(v); break;
    case DType::F64: static_cast<double*>(p)[i] = v; break;
    case DType::I8: static_cast<int8_t*>(p)[i] = int8_t(v); break;
    case DType::I16: static_cast<int16_t*>(p)[i] = int16_t(v); break;
    case DType::I32: static_cast<int32_t*>(p)[i] = int32_t(v); break;
    case DType::I64: static_cast<int64_t*>(p)[i] = int64_t(v); break;
    case DType::U8: static_cast<uint8_t*>(p)[i] = uint8_t(v); break;
    case DType::Bool: static_cast<uint8_t*>(p)[i] = v != 0; break;
    case DType::U16: static_cast<uint16_t*>(p)[i] = uint16_t(v); break;
    case DType::U32: static_cast<uint32_t*>(p)[i] = uint32_t(v); break;
    case DType::U64: static_cast<uint64_t*>(p)[i] = uint64_t(v); break;
    case DType::F16: case DType::BF16:
      MINDLET_FAIL("UNSUPPORTED", std::string("writing ") + dtype_name(t) + " is not supported");
  }
}

}  // namespace mindlet
