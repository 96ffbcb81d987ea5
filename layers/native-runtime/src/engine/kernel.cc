#include "kernel.h"

#include <map>

namespace mindlet {

static std::map<std::string, KernelFactory>& registry() {
  static std::map<std::string, KernelFactory> r;
  return r;
}

KernelRegistrar::KernelRegistrar(const char* op, KernelFactory factory) { registry()[op] = std::move(factory); }

const KernelFactory* find_kernel(const std::string& op) {
  auto it = registry().find(op);
  return it == registry().end() ? nullptr : &it->second;
}

std::vector<std::string> registered_ops() {
  std::vector<std::string> ops;
  for (auto& [k, v] : registry()) ops.push_back(k);
  return ops;
}

const ConstTensor* LoadContext::constant(int i) const {
  if (i < 0 || i >= input_count()) return nullptr;
  ConstTensor* c = graph_.values[size_t(node_.inputs[size_t(i)])].constant.get();
  if (c) c->aligned();
  return c;
}

const ValueInfo& LoadContext::input_info(int i) const {
  if (i < 0 || i >= input_count()) fail("expects at least " + std::to_string(i + 1) + " inputs");
  return graph_.values[size_t(node_.inputs[size_t(i)])];
}

void LoadContext::fail(const std::string& msg) const {
  MINDLET_FAIL("INVALID_GRAPH", node_.op + " node " + node_.name + ": " + msg);
}

const ValueDesc& InferContext::input(int i) const {
  if (i < 0 || i >= input_count()) fail("expects at least " + std::to_string(i + 1) + " inputs, got " + std::to_string(input_count()));
  return inputs_[size_t(i)];
}

std::vector<int64_t> InferContext::const_ints(int i) const {
  const ValueDesc& d = input(i);
  if (!d.const_data) fail("input " + std::to_string(i) + " must be known before running (a constant or a shape)");
  std::vector<int64_t> out(size_t(d.numel()));
  for (int64_t k = 0; k < d.numel(); ++k) out[size_t(k)] = read_as_int(d.const_data, d.dtype, k);
  return out;
}

void InferContext::set_output(int i, DType dtype, Shape shape) {
  if (i < 0 || size_t(i) >= outputs_.size()) fail("has no output " + std::to_string(i));
  for (auto d : shape)
    if (d < 0) fail("computed a negative dimension in output shape " + shape_str(shape));
  outputs_[size_t(i)] = ValueDesc{dtype, std::move(shape), nullptr};
}

void InferContext::fail(const std::string& msg) const {
  MINDLET_FAIL("INVALID_ARGUMENT", node_.op + " node " + node_.name + ": " + msg);
}

const Attr* Attrs::find(const std::string& k) const {
  auto it = items.find(k);
  return it == items.end() ? nullptr : &it->second;
}

// The attribute as a number; false when it is not one (the callers name the attribute in their error).
static bool attr_number(const Attr& a, double* out) {
  switch (a.kind) {
    case Attr::Kind::Number: *out = a.number; return true;
    case Attr::Kind::Int: *out = double(a.integer); return true;
    case Attr::Kind::Bool: *out = a.boolean ? 1 : 0; return true;
    case Attr::Kind::List:
      if (a.list.size() == 1) return attr_number(a.list[0], out);
      break;
    case Attr::Kind::Tensor:
      if (a.tensor && a.tensor->numel() == 1) {
        *out = read_as_double(a.tensor->data, a.tensor->dtype, 0);
        return true;
      }
      break;
    default: break;
  }
  return false;
}

static double attr_number(const Attr& a) {
  double v = 0;
  if (!attr_number(a, &v)) MINDLET_FAIL("INVALID_GRAPH", "attribute is not a number");
  return v;
}

int64_t Attrs::get_int(const std::string& k, int64_t def) const {
  const Attr* a = find(k);
  if (!a || a->kind == Attr::Kind::None) return def;
  if (a->kind == Attr::Kind::Int) return a->integer;
  if (a->kind == Attr::Kind::Tensor && a->tensor && a->tensor->numel() == 1)
    return read_as_int(a->tensor->data, a->tensor->dtype, 0);
  double v = 0;
  if (!attr_number(*a, &v)) MINDLET_FAIL("INVALID_GRAPH", "attribute " + k + " is not an integer");
  return int64_t(v);
}

double Attrs::get_float(const std::string& k, double def) const {
  const Attr* a = find(k);
  if (!a || a->kind == Attr::Kind::None) return def;
  double v = 0;
  if (!attr_number(*a, &v)) MINDLET_FAIL("INVALID_GRAPH", "attribute " + k + " is not a number");
  return v;
}

bool Attrs::get_bool(const std::string& k, bool def) const {
  const Attr* a = find(k);
  if (!a || a->kind == Attr::Kind::None) return def;
  if (a->kind == Attr::Kind::Bool) return a->boolean;
  return get_float(k, def ? 1 : 0) != 0;
}

std::string Attrs::get_string(const std::string& k, const std::string& def) const {
  const Attr* a = find(k);
  if (!a || a->kind == Attr::Kind::None) return def;
  if (a->kind == Attr::Kind::String || a->kind == Attr::Kind::Type) return a->str;
  MINDLET_FAIL("INVALID_GRAPH", "attribute " + k + " is not a string");
}

std::vector<int64_t> Attrs::get_ints(const std::string& k) const {
  const Attr* a = find(k);
  std::vector<int64_t> out;
  if (!a || a->kind == Attr::Kind::None) return out;
  if (a->kind == Attr::Kind::List) {
    for (auto& e : a->list) {
      if (e.kind == Attr::Kind::Int) out.push_back(e.integer);
      else out.push_back(int64_t(attr_number(e)));
    }
  } else if (a->kind == Attr::Kind::Tensor && a->tensor) {
    for (int64_t i = 0; i < a->tensor->numel(); ++i) out.push_back(read_as_int(a->tensor->data, a->tensor->dtype, i));
  } else {
    out.push_back(get_int(k, 0));
  }
  return out;
}

std::vector<double> Attrs::get_floats(const std::string& k) const {
  const Attr* a = find(k);
  std::vector<double> out;
  if (!a || a->kind == Attr::Kind::None) return out;
  if (a->kind == Attr::Kind::List) {
    for (auto& e : a->list) out.push_back(attr_number(e));
  } else if (a->kind == Attr::Kind::Tensor && a->tensor) {
    for (int64_t i = 0; i < a->tensor->numel(); ++i) out.push_back(read_as_double(a->tensor->data, a->tensor->dtype, i));
  } else {
    out.push_back(attr_number(*a));
  }
  return out;
}

void Attrs::set_int(const std::string& k, int64_t v) {
  Attr a;
  a.kind = Attr::Kind::Int;
  a.integer = v;
  items[k] = a;
}

void Attrs::set_string(const std::string& k, const std::string& v) {
  Attr a;
  a.kind = Attr::Kind::String;
  a.str = v;
  items[k] = a;
}

std::shared_ptr<ConstTensor> make_owned_tensor(DType dtype, const Shape& shape) {
  auto t = std::make_shared<ConstTensor>();
  t->dtype = dtype;
  t->shape = shape;
  // At least 64 bytes extra so kernels may read a vector past the end of small constants.
  t->owned.resize(t->bytes() + 64);
  t->data = t->owned.data();
  return t;
}

std::vector<int> Graph::use_counts() const {
  std::vector<int> counts(values.size(), 0);
  for (auto& n : nodes)
    if (!n.removed)
      for (int v : n.inputs) counts[size_t(v)]++;
  for (int v : outputs) counts[size_t(v)]++;
  return counts;
}

}  // namespace mindlet
