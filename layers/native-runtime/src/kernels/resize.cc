// ResizeBilinear(V2) and ResizeNearestNeighbor(V2), NCHW float32, size from attribute or input 1, with
// align_corners and half_pixel_centers as TF/MindSpore define them (nearest with half pixels: floor((x+0.5)*scale),
// no -0.5, unlike ONNX's coordinate modes).
#include "kernels/common.h"

namespace mindlet {
namespace {

using namespace kern;

class ResizeKernel : public Kernel {
 public:
  ResizeKernel(LoadContext& c, bool bilinear) : id_(c.node()), attrs_(c.node().attrs), bilinear_(bilinear) {
    align_ = attrs_.get_bool("align_corners", false);
    half_ = attrs_.get_bool("half_pixel_centers", false);
    if (align_ && half_) id_.fail("align_corners and half_pixel_centers cannot both be set");
  }
  template <class Ctx>
  Shape out_shape(const Ctx& c, const Shape& s) const {
    if (s.size() != 4) id_.fail("expects a 4-D NCHW input, got " + shape_str(s));
    std::vector<int64_t> size;
    if (!param_ints(attrs_, "size", c, 1, size)) id_.fail("needs size");
    if (size.size() == 4) size = {size[2], size[3]};
    if (size.size() != 2 || size[0] <= 0 || size[1] <= 0) id_.fail("size must be 2 positive integers");
    return {s[0], s[1], size[0], size[1]};
  }
  void infer(InferContext& ctx) const override {
    const ValueDesc& x = ctx.input(0);
    if (x.dtype != DType::F32) id_.unsupported("supports float32 only");
    Shape o = out_shape(ctx, x.shape);
    ctx.set_output(0, x.dtype, o);
    // Per output column: source index pair and weight (bilinear) or source index (nearest).
    ctx.request_scratch(size_t(o[3]) * (2 * sizeof(int64_t) + sizeof(float)));
  }
  float scale(int64_t in, int64_t out) const {
    return align_ && out > 1 ? float(in - 1) / float(out - 1) : float(in) / float(out);
  }
  void run(const RunContext& ctx) const override {
    const TensorView& xv = ctx.input(0);
    Shape o = out_shape(ctx, xv.shape);
    int64_t h = xv.shape[2], w = xv.shape[3], oh = o[2], ow = o[3], planes = o[0] * o[1];
    if (planes == 0 || h == 0 || w == 0) return;
    float sy = scale(h, oh), sx = scale(w, ow);
    auto* x0 = static_cast<int64_t*>(ctx.scratch());
    int64_t* x1 = x0 + ow;
    auto* fx = reinterpret_cast<float*>(x1 + ow);
    for (int64_t j = 0; j < ow; ++j) coord(j, sx, w, x0[j], x1[j], fx[j]);
    const float* x = xv.as<float>();
    float* y = ctx.output(0).as<float>();
    ctx.pool().parallel_for(planes, grain_for(oh * ow * 4), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const float* xp = x + p * h * w;
        float* yp = y + p * oh * ow;
        for (int64_t i = 0; i < oh; ++i) {
          int64_t y0, y1;
          float fy;
          coord(i, sy, h, y0, y1, fy);
          const float *r0 = xp + y0 * w, *r1 = xp + y1 * w;
          float* out = yp + i * ow;
          if (bilinear_) {
            for (int64_t j = 0; j < ow; ++j) {
              float top = r0[x0[j]] + (r0[x1[j]] - r0[x0[j]]) * fx[j];
              float bot = r1[x0[j]] + (r1[x1[j]] - r1[x0[j]]) * fx[j];
              out[j] = top + (bot - top) * fy;
            }
          } else {
            for (int64_t j = 0; j < ow; ++j) out[j] = r0[x0[j]];
          }
        }
      }
    });
  }

 private:
  // Source coordinate of output index o: lower/upper neighbours and the lerp weight (nearest: lo only).
  void coord(int64_t o, float sc, int64_t in, int64_t& lo, int64_t& hi, float& f) const {
    if (bilinear_) {
      float src = half_ ? (float(o) + 0.5f) * sc - 0.5f : float(o) * sc;
      float fl = std::floor(src);
      lo = std::max<int64_t>(0, int64_t(fl));
      hi = std::min<int64_t>(in - 1, int64_t(std::ceil(src)));
      lo = std::min(lo, in - 1);
      hi = std::max<int64_t>(hi, 0);
      f = src - fl;
      if (src < 0) f = 0, lo = hi = 0;
      return;
    }
    float src = half_ ? (float(o) + 0.5f) * sc : float(o) * sc;
    int64_t v = align_ ? int64_t(std::round(src)) : int64_t(std::floor(src));
    lo = hi = std::min(std::max<int64_t>(v, 0), in - 1);
    f = 0;
  }
  NodeId id_;
  Attrs attrs_;
  bool bilinear_, align_ = false, half_ = false;
};

MINDLET_KERNEL("ResizeBilinear", [](LoadContext& c) { return std::make_unique<ResizeKernel>(c, true); });
MINDLET_KERNEL("ResizeBilinearV2", [](LoadContext& c) { return std::make_unique<ResizeKernel>(c, true); });
MINDLET_KERNEL("ResizeNearestNeighbor", [](LoadContext& c) { return std::make_unique<ResizeKernel>(c, false); });
MINDLET_KERNEL("ResizeNearestNeighborV2", [](LoadContext& c) { return std::make_unique<ResizeKernel>(c, false); });

}  // namespace
}  // namespace mindlet
