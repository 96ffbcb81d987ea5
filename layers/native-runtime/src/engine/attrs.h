// Operator attributes as the loader decoded them: numbers, strings, lists and tensors, read by name with a default.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tensor.h"

namespace mindlet {

struct ConstTensor;

struct Attr {
  enum class Kind { None, Number, Int, Bool, String, List, Tensor, Type } kind = Kind::None;
  double number = 0;      // Number (JS numbers: ints and floats alike)
  int64_t integer = 0;    // Int (bigints beyond 2^53)
  bool boolean = false;
  std::string str;        // String, or the dtype name for Type
  std::vector<Attr> list;
  std::shared_ptr<ConstTensor> tensor;
};

class Attrs {
 public:
  std::map<std::string, Attr> items;
  bool has(const std::string& k) const { return items.count(k) != 0; }
  const Attr* find(const std::string& k) const;
  int64_t get_int(const std::string& k, int64_t def) const;
  double get_float(const std::string& k, double def) const;
  bool get_bool(const std::string& k, bool def) const;
  std::string get_string(const std::string& k, const std::string& def) const;
  // A scalar or a list of integers; an empty vector when absent.
  std::vector<int64_t> get_ints(const std::string& k) const;
  std::vector<double> get_floats(const std::string& k) const;
  void set_int(const std::string& k, int64_t v);
  void set_string(const std::string& k, const std::string& v);
};

}  // namespace mindlet
