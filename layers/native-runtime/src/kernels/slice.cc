// Slice (begin, size; size -1 = to the end) and StridedSlice (TF/MindSpore semantics: begin/end/ellipsis/
// new_axis/shrink_axis masks, negative strides), any dtype. Both reduce to a per-dim (start, step, count) copy.
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

constexpr int kMaxRank = 8;

struct Window {
  Shape out;                          // output shape as the node reports it
  int rank = 0;                       // input rank
  int64_t start[kMaxRank], step[kMaxRank], count[kMaxRank];
};

// Copies the window of x described by w into dst (contiguous, in window order).
void copy_window(const RunContext& ctx, const Window& w) {
  const TensorView& x = ctx.input(0);
  size_t es = dtype_size(x.dtype);
  int r = w.rank;
  int64_t total = 1;
  for (int i = 0; i < r; ++i) total *= w.count[i];
  if (total == 0) return;
  const auto* src = static_cast<const uint8_t*>(x.data);
  auto* dst = static_cast<uint8_t*>(ctx.output(0).data);
  if (r == 0) {
    std::memcpy(dst, src, es);
    return;
  }
  int64_t istride[kMaxRank];
  int64_t s = 1;
  for (int i = r; i-- > 0;) istride[i] = s, s *= x.shape[size_t(i)];
  int64_t row = w.count[r - 1], rows = total / row;
  int64_t last_step = w.step[r - 1] * istride[r - 1];
  auto body = [&](int64_t a, int64_t b) {
    int64_t idx[kMaxRank] = {0};
    int64_t t = a;
    for (int i = r - 1; i-- > 0;) idx[i] = t % w.count[i], t /= w.count[i];
    for (int64_t k = a; k < b; ++k) {
      int64_t off = w.start[r - 1] * istride[r - 1];
      for (int i = 0; i + 1 < r; ++i) off += (w.start[i] + idx[i] * w.step[i]) * istride[i];
      uint8_t* d = dst + k * row * int64_t(es);
      if (last_step == 1) {
        std::memcpy(d, src + off * int64_t(es), size_t(row) * es);
      } else {
        switch (es) {
          case 4: {
            auto* dd = reinterpret_cast<uint32_t*>(d);
            const auto* ss = reinterpret_cast<const uint32_t*>(src) + off;
            for (int64_t j = 0; j < row; ++j) dd[j] = ss[j * last_step];
            break;
          }
          case 8: {
            auto* dd = reinterpret_cast<uint64_t*>(d);
            const auto* ss = reinterpret_cast<const uint64_t*>(src) + off;
            for (int64_t j = 0; j < row; ++j) dd[j] = ss[j * last_step];
            break;
          }
          default:
            for (int64_t j = 0; j < row; ++j) std::memcpy(d + j * int64_t(es), src + (off + j * last_step) * int64_t(es), es);
        }
      }
      for (int i = r - 1; i-- > 0;) {
        if (++idx[i] < w.count[i]) break;
        idx[i] = 0;
      }
    }
  };
  if (total * int64_t(es) < (1 << 18)) body(0, rows);
  else ctx.pool().parallel_for(rows, grain_for(row * int64_t(es), 1 << 16), body);
}

class SliceKernel : public Kernel {
 public:
  explicit SliceKernel(LoadContext& c) : id_(c.node()), attrs_(c.node().attrs) {}
  template <class Ctx>
  Window window(const Ctx& c, const Shape& s) const {
    std::vector<int64_t> begin, size;
    if (!param_ints(attrs_, "begin", c, 1, begin) || !param_ints(attrs_, "size", c, 2, size)) id_.fail("needs begin and size");
    int r = int(s.size());
    if (r > kMaxRank) id_.unsupported("supports rank <= 8");
    if (int(begin.size()) != r || int(size.size()) != r)
      id_.fail("begin/size have " + std::to_string(begin.size()) + "/" + std::to_string(size.size()) + " entries for rank " + std::to_string(r));
    Window w;
    w.rank = r;
    for (int i = 0; i < r; ++i) {
      int64_t d = s[size_t(i)], b = begin[size_t(i)] < 0 ? begin[size_t(i)] + d : begin[size_t(i)];
      int64_t n = size[size_t(i)] == -1 ? d - b : size[size_t(i)];
      if (b < 0 || b > d || n < 0 || b + n > d)
        id_.fail("window begin " + std::to_string(begin[size_t(i)]) + " size " + std::to_string(size[size_t(i)]) +
                 " is outside dim " + std::to_string(i) + " of " + shape_str(s));
      w.start[i] = b, w.step[i] = 1, w.count[i] = n;
      w.out.push_back(n);
    }
    return w;
  }
  void infer(InferContext& ctx) const override { ctx.set_output(0, ctx.input(0).dtype, window(ctx, ctx.input(0).shape).out); }
  void run(const RunContext& ctx) const override { copy_window(ctx, window(ctx, ctx.input(0).shape)); }

 private:
  NodeId id_;
  Attrs attrs_;
};

class StridedSliceKernel : public Kernel {
 public:
  explicit StridedSliceKernel(LoadContext& c) : id_(c.node()), attrs_(c.node().attrs) {}
  template <class Ctx>
  Window window(const Ctx& c, const Shape& s) const {
    std::vector<int64_t> begin, end, strides;
    if (!param_ints(attrs_, "begin", c, 1, begin) || !param_ints(attrs_, "end", c, 2, end))
      id_.fail("needs begin and end");
    if (!param_ints(attrs_, "strides", c, 3, strides)) strides.assign(begin.size(), 1);
    int64_t bm = param_int(attrs_, "begin_mask", c, 4, 0), em = param_int(attrs_, "end_mask", c, 5, 0),
            elm = param_int(attrs_, "ellipsis_mask", c, 6, 0), nam = param_int(attrs_, "new_axis_mask", c, 7, 0),
            sam = param_int(attrs_, "shrink_axis_mask", c, 8, 0);
    int n = int(begin.size());
    if (int(end.size()) != n || int(strides.size()) != n) id_.fail("begin, end and strides differ in length");
    int rank = int(s.size());
    if (rank > kMaxRank) id_.unsupported("supports rank <= 8");
    // Without an ellipsis, one is implied after the last given dim (unmentioned dims are kept whole).
    if (!(elm & ((int64_t(1) << n) - 1))) elm |= int64_t(1) << n, ++n;
    // Real (not new-axis) dims given after the ellipsis; the ellipsis covers what they leave.
    int real_after = 0;
    bool after = false;
    for (int i = 0; i < n; ++i) {
      if (((elm >> i) & 1) && !after) after = true;
      else if (after && !((nam >> i) & 1)) ++real_after;
    }
    Window w;
    w.rank = rank;
    int full = 0;
    bool ellipsis_done = false;
    for (int i = 0; i < n; ++i) {
      if (((elm >> i) & 1) && !ellipsis_done) {
        ellipsis_done = true;
        int upto = rank - real_after;
        for (; full < upto && full < rank; ++full) {
          w.start[full] = 0, w.step[full] = 1, w.count[full] = s[size_t(full)];
          w.out.push_back(s[size_t(full)]);
        }
        continue;
      }
      if ((nam >> i) & 1) {
        w.out.push_back(1);
        continue;
      }
      if (full >= rank) id_.fail("slices more dims than the input's rank " + std::to_string(rank));
      int64_t d = s[size_t(full)];
      int64_t st = i < int(strides.size()) ? strides[size_t(i)] : 1;
      int64_t b = i < int(begin.size()) ? begin[size_t(i)] : 0, e = i < int(end.size()) ? end[size_t(i)] : 0;
      if ((sam >> i) & 1) {
        int64_t x = b < 0 ? b + d : b;
        if (x < 0 || x >= d) id_.fail("index " + std::to_string(b) + " is out of range for dim " + std::to_string(full) + " of size " + std::to_string(d));
        w.start[full] = x, w.step[full] = 1, w.count[full] = 1;
        ++full;
        continue;
      }
      if (st == 0) id_.fail("stride " + std::to_string(i) + " is 0");
      auto clamp = [&](int64_t v) {
        v = v < 0 ? v + d : v;
        return st > 0 ? std::min(std::max<int64_t>(v, 0), d) : std::min(std::max<int64_t>(v, -1), d - 1);
      };
      int64_t bb = ((bm >> i) & 1) ? (st > 0 ? 0 : d - 1) : clamp(b);
      int64_t ee = ((em >> i) & 1) ? (st > 0 ? d : -1) : clamp(e);
      int64_t cnt = st > 0 ? (ee - bb + st - 1) / st : (bb - ee + (-st) - 1) / (-st);
      cnt = std::max<int64_t>(0, cnt);
      w.start[full] = cnt ? bb : 0, w.step[full] = st, w.count[full] = cnt;
      w.out.push_back(cnt);
      ++full;
    }
    for (; full < rank; ++full) {
      w.start[full] = 0, w.step[full] = 1, w.count[full] = s[size_t(full)];
      w.out.push_back(s[size_t(full)]);
    }
    return w;
  }
  void infer(InferContext& ctx) const override { ctx.set_output(0, ctx.input(0).dtype, window(ctx, ctx.input(0).shape).out); }
  void run(const RunContext& ctx) const override { copy_window(ctx, window(ctx, ctx.input(0).shape)); }

 private:
  NodeId id_;
  Attrs attrs_;
};

MINDLET_KERNEL("Slice", [](LoadContext& c) { return std::make_unique<SliceKernel>(c); });
MINDLET_KERNEL("StridedSlice", [](LoadContext& c) { return std::make_unique<StridedSliceKernel>(c); });

}  // namespace
}  // namespace mindlet
