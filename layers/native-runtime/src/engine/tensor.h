// Element types, shapes and tensor views shared by the planner and every kernel.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "fail.h"

namespace mindlet {

enum class DType : uint8_t { F32, F64, F16, BF16, I8, I16, I32, I64, U8, U16, U32, U64, Bool };

size_t dtype_size(DType t);
const char* dtype_name(DType t);
// Accepts the numpy-style names the TypeScript side uses ("float32", "int64", "bool", ...).
DType dtype_from_name(const std::string& name);
// The same without failing: false for a name the engine does not know.
bool try_dtype_from_name(const std::string& name, DType* out);
inline bool is_float(DType t) { return t == DType::F32 || t == DType::F64 || t == DType::F16 || t == DType::BF16; }

using Shape = std::vector<int64_t>;
int64_t shape_numel(const Shape& s);
std::string shape_str(const Shape& s);

// An error the caller caused (bad model, bad input); the message is shown to users as is.
// `code` is one of mindlet's MindletError codes.
struct EngineError : std::runtime_error {
  std::string code;
  EngineError(std::string c, const std::string& msg) : std::runtime_error(msg), code(std::move(c)) {}
};

// A non-owning view: dtype, shape and row-major data.
struct TensorView {
  DType dtype = DType::F32;
  Shape shape;
  void* data = nullptr;
  int64_t numel() const { return shape_numel(shape); }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }
  template <class T>
  T* as() const { return static_cast<T*>(data); }
};

// Reads element i of any numeric tensor as double / int64 (used by shape-like inputs and scalar promotion).
double read_as_double(const void* data, DType t, int64_t i);
int64_t read_as_int(const void* data, DType t, int64_t i);
void write_from_double(void* data, DType t, int64_t i, double v);

}  // namespace mindlet
