// Pad (paddings attribute ((before, after), ...), zeros), PadV3 (paddings input, flat, last dim first as
// torch.nn.functional.pad; mode constant/reflect/edge/circular; constant_value input) and MirrorPad
// (REFLECT/SYMMETRIC, paddings [rank, 2]), any dtype. Each output index maps to a source index per dim.
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

enum class Mode { Constant, Reflect, Edge, Symmetric, Circular };

Mode mode_of(std::string m, const NodeId& id) {
  for (auto& ch : m) ch = char(std::tolower(ch));
  if (m == "constant") return Mode::Constant;
  if (m == "reflect") return Mode::Reflect;
  if (m == "edge" || m == "replicate") return Mode::Edge;
  if (m == "symmetric") return Mode::Symmetric;
  if (m == "circular") return Mode::Circular;
  id.unsupported("unknown pad mode " + m);
}

class PadKernel : public Kernel {
 public:
  enum class Kind { Pad, PadV3, Mirror };
  PadKernel(LoadContext& c, Kind k) : id_(c.node()), attrs_(c.node().attrs), kind_(k) {
    if (k == Kind::PadV3) mode_ = mode_of(attrs_.get_string("mode", "constant"), id_);
    if (k == Kind::Mirror) mode_ = mode_of(attrs_.get_string("mode", "REFLECT"), id_);
    contiguous_ = attrs_.get_bool("paddings_contiguous", true);
    // Pad's paddings attribute is a list of pairs; flatten it here (get_ints wants flat lists).
    if (k == Kind::Pad) {
      const Attr* a = attrs_.find("paddings");
      if (!a) id_.fail("needs paddings");
      flatten(*a, pairs_);
    }
  }
  static void flatten(const Attr& a, std::vector<int64_t>& out) {
    if (a.kind == Attr::Kind::List) {
      for (auto& e : a.list) flatten(e, out);
    } else if (a.kind == Attr::Kind::Tensor && a.tensor) {
      for (int64_t i = 0; i < a.tensor->numel(); ++i) out.push_back(read_as_int(a.tensor->data, a.tensor->dtype, i));
    } else {
      out.push_back(a.kind == Attr::Kind::Int ? a.integer : int64_t(a.number));
    }
  }
  // Per-dim (before, after) pairs, possibly negative (cropping) for constant mode.
  template <class Ctx>
  std::vector<int64_t> pads(const Ctx& c, const Shape& s) const {
    size_t r = s.size();
    std::vector<int64_t> p(2 * r, 0), flat;
    if (kind_ == Kind::Pad) {
      flat = pairs_;
      if (flat.size() != 2 * r) id_.fail("paddings have " + std::to_string(flat.size() / 2) + " pairs for rank " + std::to_string(r));
      return flat;
    }
    if (!param_ints(attrs_, "paddings", c, 1, flat)) id_.fail("needs paddings");
    if (flat.size() % 2 || flat.size() > 2 * r) id_.fail("paddings have " + std::to_string(flat.size()) + " entries for rank " + std::to_string(r));
    if (kind_ == Kind::Mirror) {
      if (flat.size() != 2 * r) id_.fail("paddings must be [rank, 2]");
      return flat;
    }
    size_t k = flat.size() / 2;
    for (size_t i = 0; i < k; ++i) {
      // Contiguous: pairs (before, after) from the last dim backwards; otherwise all befores then all afters.
      int64_t b = contiguous_ ? flat[2 * i] : flat[i], a = contiguous_ ? flat[2 * i + 1] : flat[k + i];
      p[2 * (r - 1 - i)] = b, p[2 * (r - 1 - i) + 1] = a;
    }
    return p;
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    std::vector<int64_t> p = pads(ctx, x.shape);
    Shape out = x.shape;
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] += p[2 * i] + p[2 * i + 1];
      if (out[i] < 0) id_.fail("paddings crop dim " + std::to_string(i) + " below 0");
      if (mode_ == Mode::Reflect && (p[2 * i] >= x.shape[i] || p[2 * i + 1] >= x.shape[i]) && (p[2 * i] || p[2 * i + 1]))
        id_.fail("reflect padding must be smaller than the dim it pads");
      if ((mode_ == Mode::Symmetric || mode_ == Mode::Circular) && (p[2 * i] > x.shape[i] || p[2 * i + 1] > x.shape[i]))
        id_.fail("padding must not exceed the dim it pads");
      if (mode_ != Mode::Constant && x.shape[i] == 0 && (p[2 * i] || p[2 * i + 1])) id_.fail("cannot pad an empty dim");
    }
    ctx.set_output(0, x.dtype, out);
    size_t need = 0;
    for (auto d : out) need += size_t(d);
    ctx.request_scratch(need * sizeof(int64_t));
  }
  void run(const RunContext& ctx) const override {
    const TensorView& x = ctx.input(0);
    const TensorView& y = ctx.output(0);
    std::vector<int64_t> p = pads(ctx, x.shape);
    size_t r = x.shape.size(), es = dtype_size(x.dtype);
    int64_t total = y.numel();
    if (total == 0) return;
    const auto* src = static_cast<const uint8_t*>(x.data);
    auto* dst = static_cast<uint8_t*>(y.data);
    if (r == 0) {
      std::memcpy(dst, src, es);
      return;
    }
    // Fill value for constant mode: PadV3's constant_value input, else zero bytes.
    alignas(8) uint8_t fill[8] = {0};
    if (kind_ == Kind::PadV3 && mode_ == Mode::Constant && ctx.input_count() > 2 && ctx.input(2).numel() > 0) {
      if (ctx.input(2).dtype == x.dtype) std::memcpy(fill, ctx.input(2).data, es);
      else write_from_double(fill, x.dtype, 0, read_as_double(ctx.input(2).data, ctx.input(2).dtype, 0));
    }
    // Source index for each output index of each dim (-1 = fill).
    int64_t* map = static_cast<int64_t*>(ctx.scratch());
    std::vector<int64_t*> maps(r);
    int64_t* m = map;
    for (size_t i = 0; i < r; ++i) {
      maps[i] = m;
      int64_t n = x.shape[i];
      for (int64_t o = 0; o < y.shape[i]; ++o) {
        int64_t v = o - p[2 * i];
        if (v < 0 || v >= n) {
          switch (mode_) {
            case Mode::Constant: v = -1; break;
            case Mode::Edge: v = v < 0 ? 0 : n - 1; break;
            case Mode::Reflect: v = v < 0 ? -v : 2 * (n - 1) - v; break;
            case Mode::Symmetric: v = v < 0 ? -v - 1 : 2 * n - 1 - v; break;
            case Mode::Circular: v = ((v % n) + n) % n; break;
          }
        }
        m[o] = v;
      }
      m += y.shape[i];
    }
    std::vector<int64_t> istr(r);
    int64_t s = 1;
    for (size_t i = r; i-- > 0;) istr[i] = s, s *= x.shape[i];
    int64_t row = y.shape[r - 1], rows = total / row;
    int64_t m0 = std::max<int64_t>(0, p[2 * r - 2]), m1 = std::min(row, p[2 * r - 2] + x.shape[r - 1]);
    auto body = [&](int64_t a, int64_t b) {
      std::vector<int64_t> idx(r, 0);
      int64_t t = a;
      for (size_t i = r - 1; i-- > 0;) idx[i] = t % y.shape[i], t /= y.shape[i];
      for (int64_t k = a; k < b; ++k) {
        int64_t off = 0;
        bool blank = false;
        for (size_t i = 0; i + 1 < r; ++i) {
          int64_t v = maps[i][idx[i]];
          if (v < 0) blank = true;
          off += v * istr[i];
        }
        uint8_t* d = dst + k * row * int64_t(es);
        const int64_t* lm = maps[r - 1];
        // The middle run (output j in [m0, m1)) maps to consecutive source elements: one memcpy.
        for (int64_t j = 0; j < row; ++j) {
          if (j == m0 && m1 > m0 && !blank) {
            std::memcpy(d + j * int64_t(es), src + (off + lm[j]) * int64_t(es), size_t(m1 - m0) * es);
            j = m1 - 1;
            continue;
          }
          int64_t v = blank ? -1 : lm[j];
          std::memcpy(d + j * int64_t(es), v < 0 ? fill : src + (off + v) * int64_t(es), es);
        }
        for (size_t i = r - 1; i-- > 0;) {
          if (++idx[i] < y.shape[i]) break;
          idx[i] = 0;
        }
      }
    };
    if (total < (1 << 16)) body(0, rows);
    else ctx.pool().parallel_for(rows, grain_for(row), body);
  }

 private:
  NodeId id_;
  Attrs attrs_;
  Kind kind_;
  Mode mode_ = Mode::Constant;
  bool contiguous_ = true;
  std::vector<int64_t> pairs_;
};

MINDLET_KERNEL("Pad", [](LoadContext& c) { return std::make_unique<PadKernel>(c, PadKernel::Kind::Pad); });
MINDLET_KERNEL("PadV3", [](LoadContext& c) { return std::make_unique<PadKernel>(c, PadKernel::Kind::PadV3); });
MINDLET_KERNEL("MirrorPad", [](LoadContext& c) { return std::make_unique<PadKernel>(c, PadKernel::Kind::Mirror); });

}  // namespace
}  // namespace mindlet
