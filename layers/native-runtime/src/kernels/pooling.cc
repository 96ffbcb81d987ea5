// MaxPool, AvgPool (NCHW, pad modes same/valid/pad, ceil mode, count_include_pad) and AdaptiveAvgPool2D.
// Each output row first reduces its kh input rows into a padded row (vectorized), then slides the kw window.
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

enum class PadMode { Pad, Same, Valid };

// MindSpore writes pad_mode as a string (any case) or its PadMode enum (0 PAD, 1 SAME, 2 VALID).
PadMode pad_mode_of(const Attrs& attrs, const NodeId& id, const LoadContext& c, int idx) {
  const Attr* a = attrs.find("pad_mode");
  if (a && (a->kind == Attr::Kind::String)) {
    std::string m = a->str;
    for (auto& ch : m) ch = char(std::tolower(ch));
    if (m == "same") return PadMode::Same;
    if (m == "valid") return PadMode::Valid;
    if (m == "pad" || m == "calculated") return PadMode::Pad;
    id.fail("unknown pad_mode " + a->str);
  }
  int64_t v = 2;
  if (a && a->kind != Attr::Kind::None) v = attrs.get_int("pad_mode", 2);
  else if (const ConstTensor* t = c.constant(idx); t && t->numel() == 1) v = read_as_int(t->data, t->dtype, 0);
  return v == 0 ? PadMode::Pad : v == 1 ? PadMode::Same : PadMode::Valid;
}

// (h, w) from a 1-, 2- or 4-element window attribute ([1,1,h,w] for NCHW).
void pair_of(const std::vector<int64_t>& v, int64_t def, int64_t& h, int64_t& w) {
  if (v.empty()) h = w = def;
  else if (v.size() == 1) h = w = v[0];
  else if (v.size() >= 4) h = v[v.size() - 2], w = v[v.size() - 1];
  else h = v[0], w = v[1];
}

std::vector<int64_t> load_ints(const Attrs& attrs, const char* name, const LoadContext& c, int idx) {
  if (attrs.has(name)) return attrs.get_ints(name);
  const ConstTensor* t = c.constant(idx);
  std::vector<int64_t> out;
  if (t)
    for (int64_t i = 0; i < t->numel(); ++i) out.push_back(read_as_int(t->data, t->dtype, i));
  return out;
}

struct Geometry {
  int64_t n, c, h, w, oh, ow, pt, pl;
  int64_t hlim, wlim;  // the window end is clipped here (input size plus bottom/right padding)
};

class PoolKernel : public Kernel {
 public:
  PoolKernel(LoadContext& c, bool is_max) : id_(c.node()), max_(is_max) {
    const Attrs& a = c.node().attrs;
    std::string fmt = a.has("data_format") && a.find("data_format")->kind == Attr::Kind::String
                          ? a.get_string("data_format", "NCHW")
                          : (a.has("format") && a.find("format")->kind == Attr::Kind::String ? a.get_string("format", "NCHW") : "NCHW");
    if (fmt == "NHWC") id_.unsupported("NHWC pooling is not supported; export with data_format NCHW");
    pair_of(load_ints(a, "kernel_size", c, 1), 1, kh_, kw_);
    pair_of(load_ints(a, "strides", c, 2), 1, sh_, sw_);
    if (a.has("stride") && !a.has("strides")) pair_of(a.get_ints("stride"), 1, sh_, sw_);
    mode_ = pad_mode_of(a, id_, c, 3);
    std::vector<int64_t> pads = a.has("pad_list") ? a.get_ints("pad_list") : a.get_ints("pad");
    if (pads.size() == 1) pads = {pads[0], pads[0], pads[0], pads[0]};
    if (pads.size() == 2) pads = {pads[0], pads[0], pads[1], pads[1]};
    if (pads.size() == 4) pt_ = pads[0], pb_ = pads[1], pl_ = pads[2], pr_ = pads[3];
    if (pads.size() == 6) pt_ = pads[2], pb_ = pads[3], pl_ = pads[4], pr_ = pads[5];  // 3-D pads from a 2-D pool
    if (mode_ != PadMode::Pad && (pt_ || pb_ || pl_ || pr_)) pt_ = pb_ = pl_ = pr_ = 0;
    ceil_ = a.get_bool("ceil_mode", false);
    if (a.has("round_mode")) {
      const Attr* r = a.find("round_mode");
      ceil_ = r->kind == Attr::Kind::String ? (r->str == "ceil" || r->str == "CEIL") : a.get_int("round_mode", 0) == 1;
    }
    count_pad_ = a.get_bool("count_include_pad", true);
    divisor_ = a.get_int("divisor_override", 0);
    if (kh_ <= 0 || kw_ <= 0 || sh_ <= 0 || sw_ <= 0) id_.fail("kernel_size and strides must be positive");
  }

  Geometry geometry(const Shape& s) const {
    if (s.size() != 4) id_.fail("expects a 4-D NCHW input, got " + shape_str(s));
    Geometry g{s[0], s[1], s[2], s[3], 0, 0, 0, 0, 0, 0};
    auto dim = [&](int64_t in, int64_t k, int64_t st, int64_t p0, int64_t p1, int64_t& out, int64_t& before,
                   int64_t& lim) {
      if (mode_ == PadMode::Same) {
        out = (in + st - 1) / st;
        int64_t need = std::max<int64_t>(0, (out - 1) * st + k - in);
        before = need / 2;  // TF/MindSpore SAME puts the odd pad at the end
        lim = in + need - before;
        return;
      }
      int64_t total = mode_ == PadMode::Pad ? p0 + p1 : 0;
      int64_t span = in + total - k;
      if (span < 0) id_.fail("window " + std::to_string(k) + " is larger than the padded input " + shape_str(s));
      out = (ceil_ ? (span + st - 1) / st : span / st) + 1;
      before = mode_ == PadMode::Pad ? p0 : 0;
      // A last window that would start inside the end padding is dropped (ceil mode rule shared with PyTorch).
      if (ceil_ && (out - 1) * st >= in + before) --out;
      lim = in + (mode_ == PadMode::Pad ? p1 : 0);
    };
    dim(g.h, kh_, sh_, pt_, pb_, g.oh, g.pt, g.hlim);
    dim(g.w, kw_, sw_, pl_, pr_, g.ow, g.pl, g.wlim);
    return g;
  }

  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (x.dtype != DType::F32) id_.unsupported(std::string("supports float32 only, got ") + dtype_name(x.dtype));
    Geometry g = geometry(x.shape);
    ctx.set_output(0, x.dtype, {g.n, g.c, g.oh, g.ow});
  }

  void run(const RunContext& ctx) const override {
    const TensorView& xv = ctx.input(0);
    Geometry g = geometry(xv.shape);
    const float* x = xv.as<float>();
    float* y = ctx.output(0).as<float>();
    int64_t row_len = std::max(g.w + g.pl + (g.wlim - g.w), (g.ow - 1) * sw_ + kw_);
    int64_t planes = g.n * g.c;
    ctx.pool().parallel_for(planes, grain_for(g.h * g.w), [&](int64_t p0, int64_t p1) {
      // Padded row on the stack; very wide rows take the slower direct path.
      constexpr int64_t kStackRow = 4096;
      alignas(32) float buf[kStackRow];
      for (int64_t p = p0; p < p1; ++p) {
        const float* xp = x + p * g.h * g.w;
        float* yp = y + p * g.oh * g.ow;
        if (row_len <= kStackRow) plane_rows(g, xp, yp, buf, row_len);
        else plane_direct(g, xp, yp);
      }
    });
  }

 private:
  float divisor(const Geometry& g, int64_t hs, int64_t ws) const {
    if (divisor_ > 0) return float(divisor_);
    int64_t he = std::min(hs + kh_, g.hlim), we = std::min(ws + kw_, g.wlim);
    if (mode_ == PadMode::Pad && count_pad_) return float((he - hs) * (we - ws));
    // SAME and VALID (TF semantics) and count_include_pad=false count only real elements.
    int64_t rows = std::min(he, g.h) - std::max<int64_t>(hs, 0), cols = std::min(we, g.w) - std::max<int64_t>(ws, 0);
    return float(std::max<int64_t>(1, rows * cols));
  }

  void plane_rows(const Geometry& g, const float* xp, float* yp, float* row, int64_t row_len) const {
    const float fill = max_ ? -INFINITY : 0.f;
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      int64_t hs = oy * sh_ - g.pt;
      int64_t r0 = std::max<int64_t>(hs, 0), r1 = std::min({hs + kh_, g.hlim, g.h});
      for (int64_t i = 0; i < row_len; ++i) row[i] = fill;
      float* mid = row + g.pl;
      if (r1 > r0) {
        std::memcpy(mid, xp + r0 * g.w, size_t(g.w) * 4);
        for (int64_t r = r0 + 1; r < r1; ++r) {
          const float* src = xp + r * g.w;
          if (max_)
            for (int64_t i = 0; i < g.w; ++i) mid[i] = std::max(mid[i], src[i]);
          else
            for (int64_t i = 0; i < g.w; ++i) mid[i] += src[i];
        }
      }
      float* out = yp + oy * g.ow;
      if (max_) {
        if (sw_ == 1 && kw_ == 3) {
          for (int64_t ox = 0; ox < g.ow; ++ox) out[ox] = std::max(std::max(row[ox], row[ox + 1]), row[ox + 2]);
        } else if (sw_ == 2 && kw_ == 2) {
          for (int64_t ox = 0; ox < g.ow; ++ox) out[ox] = std::max(row[2 * ox], row[2 * ox + 1]);
        } else if (sw_ == 2 && kw_ == 3) {
          for (int64_t ox = 0; ox < g.ow; ++ox)
            out[ox] = std::max(std::max(row[2 * ox], row[2 * ox + 1]), row[2 * ox + 2]);
        } else {
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            const float* w = row + ox * sw_;
            float m = w[0];
            for (int64_t k = 1; k < kw_; ++k) m = std::max(m, w[k]);
            out[ox] = m;
          }
        }
      } else {
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          const float* w = row + ox * sw_;
          float s = 0;
          for (int64_t k = 0; k < kw_; ++k) s += w[k];
          out[ox] = s / divisor(g, hs, ox * sw_ - g.pl);
        }
      }
    }
  }

  void plane_direct(const Geometry& g, const float* xp, float* yp) const {
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      int64_t hs = oy * sh_ - g.pt;
      int64_t r0 = std::max<int64_t>(hs, 0), r1 = std::min({hs + kh_, g.hlim, g.h});
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        int64_t ws = ox * sw_ - g.pl;
        int64_t c0 = std::max<int64_t>(ws, 0), c1 = std::min({ws + kw_, g.wlim, g.w});
        float acc = max_ ? -INFINITY : 0.f;
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t q = c0; q < c1; ++q) acc = max_ ? std::max(acc, xp[r * g.w + q]) : acc + xp[r * g.w + q];
        yp[oy * g.ow + ox] = max_ ? acc : acc / divisor(g, hs, ws);
      }
    }
  }

  NodeId id_;
  bool max_;
  int64_t kh_ = 1, kw_ = 1, sh_ = 1, sw_ = 1, pt_ = 0, pb_ = 0, pl_ = 0, pr_ = 0, divisor_ = 0;
  PadMode mode_ = PadMode::Valid;
  bool ceil_ = false, count_pad_ = true;
};

// AdaptiveAvgPool2D: output cell i averages input rows [floor(i*H/OH), ceil((i+1)*H/OH)).
class AdaptiveAvgPoolKernel : public Kernel {
 public:
  explicit AdaptiveAvgPoolKernel(LoadContext& c) : id_(c.node()) {
    const Attr* a = c.node().attrs.find("output_size");
    if (a && a->kind == Attr::Kind::List) {
      for (auto& e : a->list) size_.push_back(e.kind == Attr::Kind::None ? -1 : int64_t(e.kind == Attr::Kind::Int ? e.integer : e.number));
    } else if (a && a->kind != Attr::Kind::None) {
      int64_t v = c.node().attrs.get_int("output_size", -1);
      size_ = {v, v};
    } else if (const ConstTensor* t = c.constant(1)) {
      for (int64_t i = 0; i < t->numel(); ++i) size_.push_back(read_as_int(t->data, t->dtype, i));
    }
    if (size_.size() == 1) size_.push_back(size_[0]);
    if (size_.size() != 2) id_.fail("output_size must have 2 entries");
  }
  Shape out_shape(const Shape& s) const {
    if (s.size() < 3) id_.fail("expects a 3-D or 4-D input, got " + shape_str(s));
    Shape o = s;
    for (int k = 0; k < 2; ++k) o[s.size() - 2 + k] = size_[k] < 0 ? s[s.size() - 2 + k] : size_[k];
    return o;
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (x.dtype != DType::F32) id_.unsupported("supports float32 only");
    ctx.set_output(0, x.dtype, out_shape(x.shape));
  }
  void run(const RunContext& ctx) const override {
    const Shape& s = ctx.input(0).shape;
    Shape o = out_shape(s);
    int64_t h = s[s.size() - 2], w = s.back(), oh = o[o.size() - 2], ow = o.back();
    int64_t planes = prod(s, 0, s.size() - 2);
    const float* x = ctx.input(0).as<float>();
    float* y = ctx.output(0).as<float>();
    ctx.pool().parallel_for(planes, grain_for(h * w), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const float* xp = x + p * h * w;
        for (int64_t i = 0; i < oh; ++i) {
          int64_t r0 = i * h / oh, r1 = ((i + 1) * h + oh - 1) / oh;
          for (int64_t j = 0; j < ow; ++j) {
            int64_t c0 = j * w / ow, c1 = ((j + 1) * w + ow - 1) / ow;
            float acc = 0;
            for (int64_t r = r0; r < r1; ++r)
              for (int64_t q = c0; q < c1; ++q) acc += xp[r * w + q];
            y[p * oh * ow + i * ow + j] = acc / float((r1 - r0) * (c1 - c0));
          }
        }
      }
    });
  }

 private:
  NodeId id_;
  std::vector<int64_t> size_;
};

MINDLET_KERNEL("MaxPool", [](LoadContext& c) { return std::make_unique<PoolKernel>(c, true); });
MINDLET_KERNEL("AvgPool", [](LoadContext& c) { return std::make_unique<PoolKernel>(c, false); });
MINDLET_KERNEL("AdaptiveAvgPool2D", [](LoadContext& c) { return std::make_unique<AdaptiveAvgPoolKernel>(c); });

}  // namespace
}  // namespace mindlet
