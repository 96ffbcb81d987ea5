// Tile (multiples from input 1 or attribute; shorter ranks are padded with leading 1s), any dtype.
// Builds each innermost block once, then replicates whole blocks outward with memcpy.
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

class TileKernel : public Kernel {
 public:
  explicit TileKernel(LoadContext& c) : id_(c.node()), attrs_(c.node().attrs) {}
  template <class Ctx>
  void plan(const Ctx& c, const Shape& s, Shape& in, std::vector<int64_t>& reps) const {
    if (!param_ints(attrs_, "multiples", c, 1, reps) && !param_ints(attrs_, "dims", c, 1, reps)) id_.fail("needs multiples");
    in = s;
    while (in.size() < reps.size()) in.insert(in.begin(), 1);
    while (reps.size() < in.size()) reps.insert(reps.begin(), 1);
    for (auto r : reps)
      if (r < 0) id_.fail("multiples must be >= 0");
  }
  void infer(InferContext& ctx) const override {
    Shape in;
    std::vector<int64_t> reps;
    plan(ctx, ctx.input(0).shape, in, reps);
    Shape out(in.size());
    for (size_t i = 0; i < in.size(); ++i) out[i] = in[i] * reps[i];
    ctx.set_output(0, ctx.input(0).dtype, out);
  }
  void run(const RunContext& ctx) const override {
    Shape in;
    std::vector<int64_t> reps;
    plan(ctx, ctx.input(0).shape, in, reps);
    if (ctx.output(0).numel() == 0) return;
    size_t es = dtype_size(ctx.input(0).dtype);
    // Sizes in bytes of one input block and one output block below each dim.
    size_t r = in.size();
    std::vector<int64_t> ib(r + 1, int64_t(es)), ob(r + 1, int64_t(es));
    for (size_t i = r; i-- > 0;) ib[i] = ib[i + 1] * in[i], ob[i] = ob[i + 1] * in[i] * reps[i];
    const auto* src = static_cast<const uint8_t*>(ctx.input(0).data);
    auto* dst = static_cast<uint8_t*>(ctx.output(0).data);
    if (r == 0) {
      std::memcpy(dst, src, es);
      return;
    }
    fill(0, r, in, reps, ib, ob, src, dst);
  }

 private:
  // Writes the tiled block of dim `d` at dst from the input block at src.
  static void fill(size_t d, size_t r, const Shape& in, const std::vector<int64_t>& reps, const std::vector<int64_t>& ib,
                   const std::vector<int64_t>& ob, const uint8_t* src, uint8_t* dst) {
    int64_t once = ob[d] / std::max<int64_t>(1, reps[d]);  // bytes of one copy of this dim's span
    if (d + 1 == r) {
      std::memcpy(dst, src, size_t(ib[d]));
    } else {
      for (int64_t i = 0; i < in[d]; ++i) fill(d + 1, r, in, reps, ib, ob, src + i * ib[d + 1], dst + i * ob[d + 1]);
    }
    for (int64_t k = 1; k < reps[d]; ++k) std::memcpy(dst + k * once, dst, size_t(once));
  }
  NodeId id_;
  Attrs attrs_;
};

MINDLET_KERNEL("Tile", [](LoadContext& c) { return std::make_unique<TileKernel>(c); });

}  // namespace
}  // namespace mindlet
