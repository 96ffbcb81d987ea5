// Shape-only kernels (views sharing their input's bytes: Reshape, Flatten, Squeeze, ExpandDims, Identity),
// Cast, and the constant makers (Fill, ZerosLike, OnesLike, Zeros, Ones).
#include <algorithm>
#include <cstring>

#include "engine/kernel.h"

namespace mindlet {
namespace {

class ViewKernel : public Kernel {
 public:
  bool is_view() const override { return true; }
  void run(const RunContext&) const override {}
};

// Reshape(x, shape): one -1 is inferred; MindSpore has no special meaning for 0.
class ReshapeKernel : public ViewKernel {
 public:
  explicit ReshapeKernel(LoadContext& c) : attr_shape_(c.node().attrs.get_ints("shape")) {}
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    std::vector<int64_t> target = ctx.input_count() > 1 ? ctx.const_ints(1) : attr_shape_;
    int64_t known = 1, infer_at = -1;
    for (size_t i = 0; i < target.size(); ++i) {
      if (target[i] == -1) {
        if (infer_at >= 0) ctx.fail("shape " + shape_str(target) + " has more than one -1");
        infer_at = int64_t(i);
      } else if (target[i] < 0) {
        ctx.fail("shape " + shape_str(target) + " has a negative dimension");
      } else {
        known *= target[i];
      }
    }
    if (infer_at >= 0) {
      if (known == 0 || x.numel() % known) ctx.fail("cannot reshape " + shape_str(x.shape) + " to " + shape_str(target));
      target[size_t(infer_at)] = x.numel() / known;
    }
    if (shape_numel(target) != x.numel()) ctx.fail("cannot reshape " + shape_str(x.shape) + " to " + shape_str(target));
    ctx.set_output(0, x.dtype, target);
  }

 private:
  std::vector<int64_t> attr_shape_;
};
MINDLET_KERNEL("Reshape", [](LoadContext& c) { return std::make_unique<ReshapeKernel>(c); });

class FlattenKernel : public ViewKernel {
 public:
  explicit FlattenKernel(LoadContext&) {}
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (x.shape.empty()) ctx.fail("input must have rank ≥ 1");
    ctx.set_output(0, x.dtype, {x.shape[0], x.shape[0] ? x.numel() / x.shape[0] : 0});
  }
};
MINDLET_KERNEL("Flatten", [](LoadContext& c) { return std::make_unique<FlattenKernel>(c); });

class SqueezeKernel : public ViewKernel {
 public:
  explicit SqueezeKernel(LoadContext& c) : axes_(c.node().attrs.get_ints("axis")) {}
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    std::vector<int64_t> axes = ctx.input_count() > 1 ? ctx.const_ints(1) : axes_;
    int64_t r = int64_t(x.shape.size());
    std::vector<char> drop(size_t(r), 0);
    if (axes.empty()) {
      for (int64_t i = 0; i < r; ++i) drop[size_t(i)] = x.shape[size_t(i)] == 1;
    } else {
      for (int64_t a : axes) {
        int64_t k = normalize_axis(a, r, ctx);
        if (x.shape[size_t(k)] != 1) ctx.fail("cannot squeeze axis " + std::to_string(a) + " of shape " + shape_str(x.shape));
        drop[size_t(k)] = 1;
      }
    }
    Shape out;
    for (int64_t i = 0; i < r; ++i)
      if (!drop[size_t(i)]) out.push_back(x.shape[size_t(i)]);
    ctx.set_output(0, x.dtype, out);
  }

 private:
  std::vector<int64_t> axes_;
};
MINDLET_KERNEL("Squeeze", [](LoadContext& c) { return std::make_unique<SqueezeKernel>(c); });

class ExpandDimsKernel : public ViewKernel {
 public:
  explicit ExpandDimsKernel(LoadContext& c) : axis_(c.node().attrs.get_int("axis", 0)) {}
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    int64_t axis = ctx.input_count() > 1 ? ctx.const_ints(1).at(0) : axis_;
    int64_t r = int64_t(x.shape.size()) + 1;
    if (axis < -r || axis >= r) ctx.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r - 1));
    if (axis < 0) axis += r;
    Shape out = x.shape;
    out.insert(out.begin() + axis, 1);
    ctx.set_output(0, x.dtype, out);
  }

 private:
  int64_t axis_;
};
MINDLET_KERNEL("ExpandDims", [](LoadContext& c) { return std::make_unique<ExpandDimsKernel>(c); });

class IdentityKernel : public ViewKernel {
 public:
  explicit IdentityKernel(LoadContext&) {}
  void infer(InferContext& ctx) const override { ctx.set_output(0, ctx.input(0).dtype, ctx.input(0).shape); }
};
MINDLET_KERNEL("Identity", [](LoadContext& c) { return std::make_unique<IdentityKernel>(c); });
MINDLET_KERNEL("StopGradient", [](LoadContext& c) { return std::make_unique<IdentityKernel>(c); });

// Dropout at inference: the input unchanged, and a mask of ones (MindSpore returns (output, mask)).
class DropoutKernel : public Kernel {
 public:
  explicit DropoutKernel(LoadContext&) {}
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    ctx.set_output(0, x.dtype, x.shape);
    if (ctx.node().outputs.size() > 1) ctx.set_output(1, DType::F32, x.shape);
  }
  void run(const RunContext& ctx) const override {
    std::memcpy(ctx.output(0).data, ctx.input(0).data, ctx.input(0).bytes());
    if (ctx.output_count() > 1) {
      float* m = ctx.output(1).as<float>();
      std::fill(m, m + ctx.output(1).numel(), 1.0f);
    }
  }
};
MINDLET_KERNEL("Dropout", [](LoadContext& c) { return std::make_unique<DropoutKernel>(c); });

// The target type of a Cast; false with the reason in `why` when the node names none or one the engine lacks.
bool cast_target(const Attrs& a, DType* to, std::string* why) {
  for (const char* k : {"mindlet.input1", "dst_type", "to", "DstT"}) {
    const Attr* at = a.find(k);
    if (at && (at->kind == Attr::Kind::Type || at->kind == Attr::Kind::String)) {
      if (try_dtype_from_name(at->str, to)) return true;
      *why = "element type " + at->str + " is not supported by the engine";
      return false;
    }
  }
  *why = "Cast has no target type";
  return false;
}

class CastKernel : public Kernel {
 public:
  explicit CastKernel(LoadContext& c) {
    std::string why;
    if (!cast_target(c.node().attrs, &to_, &why)) c.fail(why);
  }
  void infer(InferContext& ctx) const override { ctx.set_output(0, to_, ctx.input(0).shape); }
  void run(const RunContext& ctx) const override {
    const TensorView &x = ctx.input(0), &y = ctx.output(0);
    int64_t n = x.numel();
    if (x.dtype == y.dtype) {
      std::memcpy(y.data, x.data, x.bytes());
    } else if (x.dtype == DType::I64 && y.dtype == DType::I32) {
      for (int64_t i = 0; i < n; ++i) y.as<int32_t>()[i] = int32_t(x.as<int64_t>()[i]);
    } else if (x.dtype == DType::I32 && y.dtype == DType::I64) {
      for (int64_t i = 0; i < n; ++i) y.as<int64_t>()[i] = x.as<int32_t>()[i];
    } else if (x.dtype == DType::I32 && y.dtype == DType::F32) {
      for (int64_t i = 0; i < n; ++i) y.as<float>()[i] = float(x.as<int32_t>()[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) write_from_double(y.data, y.dtype, i, read_as_double(x.data, x.dtype, i));
    }
  }

 private:
  DType to_ = DType::F32;
};
MINDLET_KERNEL("Cast", [](LoadContext& c) { return std::make_unique<CastKernel>(c); });

// Fill-like ops: a shape and a value. `like` takes the shape and type from input 0.
class FillKernel : public Kernel {
 public:
  enum class Mode { Fill, ZerosLike, OnesLike, Zeros, Ones };
  FillKernel(LoadContext& c, Mode m) : mode_(m) {
    const Attrs& a = c.node().attrs;
    for (const char* k : {"mindlet.input0", "mindlet.input1", "type", "dtype"}) {
      const Attr* at = a.find(k);
      if (at && at->kind == Attr::Kind::Type) {
        type_ = dtype_from_name(at->str);
        has_type_ = true;
      }
    }
  }
  void infer(InferContext& ctx) const override {
    if (mode_ == Mode::ZerosLike || mode_ == Mode::OnesLike) {
      ctx.set_output(0, ctx.input(0).dtype, ctx.input(0).shape);
      return;
    }
    // Fill(type, shape, value) after the type constant became an attribute: inputs (shape, value);
    // FillV2(shape, value); Zeros/Ones(shape[, type]).
    std::vector<int64_t> shape = ctx.const_ints(0);
    DType t = has_type_ ? type_ : (mode_ == Mode::Fill && ctx.input_count() > 1 ? ctx.input(1).dtype : DType::F32);
    ctx.set_output(0, t, shape);
  }
  void run(const RunContext& ctx) const override {
    const TensorView& y = ctx.output(0);
    double v = mode_ == Mode::OnesLike || mode_ == Mode::Ones ? 1.0 : 0.0;
    if (mode_ == Mode::Fill && ctx.input_count() > 1) v = read_as_double(ctx.input(1).data, ctx.input(1).dtype, 0);
    for (int64_t i = 0; i < y.numel(); ++i) write_from_double(y.data, y.dtype, i, v);
  }

 private:
  Mode mode_;
  DType type_ = DType::F32;
  bool has_type_ = false;
};
MINDLET_KERNEL("Fill", [](LoadContext& c) { return std::make_unique<FillKernel>(c, FillKernel::Mode::Fill); });
MINDLET_KERNEL("FillV2", [](LoadContext& c) { return std::make_unique<FillKernel>(c, FillKernel::Mode::Fill); });
MINDLET_KERNEL("ZerosLike", [](LoadContext& c) { return std::make_unique<FillKernel>(c, FillKernel::Mode::ZerosLike); });
MINDLET_KERNEL("OnesLike", [](LoadContext& c) { return std::make_unique<FillKernel>(c, FillKernel::Mode::OnesLike); });
MINDLET_KERNEL("Zeros", [](LoadContext& c) { return std::make_unique<FillKernel>(c, FillKernel::Mode::Zeros); });
MINDLET_KERNEL("Ones", [](LoadContext& c) { return std::make_unique<FillKernel>(c, FillKernel::Mode::Ones); });

}  // namespace
}  // namespace mindlet
