#include "conv_params.h"

#include <algorithm>
#include <atomic>
#include <cctype>

namespace mindlet::conv {

static std::string lower(std::string s) {
  for (auto& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// A 2-D parameter given as one value, two values (h, w) or four NCHW values (1, 1, h, w).
static void read_pair(const Attrs& attrs, const char* name, int64_t def, int64_t* h, int64_t* w,
                      const std::string& where) {
  std::vector<int64_t> v = attrs.get_ints(name);
  if (v.empty()) {
    *h = *w = def;
  } else if (v.size() == 1) {
    *h = *w = v[0];
  } else if (v.size() == 2) {
    *h = v[0];
    *w = v[1];
  } else if (v.size() == 4) {
    *h = v[2];
    *w = v[3];
  } else {
    MINDLET_FAIL("INVALID_GRAPH", where + ": attribute " + name + " has " + std::to_string(v.size()) + " values");
  }
}

ConvParams parse_conv_params(const Attrs& attrs, const std::string& where) {
  ConvParams p;
  if (const Attr* f = attrs.find("format"); f && f->kind != Attr::Kind::None) {
    bool nhwc = (f->kind == Attr::Kind::String) ? lower(f->str) == "nhwc" : attrs.get_int("format", 0) == 1;
    if (nhwc) MINDLET_FAIL("UNSUPPORTED", where + ": NHWC convolutions are not supported (export with NCHW)");
  }
  if (attrs.has("kernel_size")) read_pair(attrs, "kernel_size", 0, &p.kh, &p.kw, where);
  read_pair(attrs, "stride", 1, &p.sh, &p.sw, where);
  read_pair(attrs, "dilation", 1, &p.dh, &p.dw, where);
  if (p.sh < 1 || p.sw < 1 || p.dh < 1 || p.dw < 1)
    MINDLET_FAIL("INVALID_GRAPH", where + ": stride and dilation must be positive");

  p.pad_mode = PadMode::Valid;
  if (const Attr* m = attrs.find("pad_mode"); m && m->kind != Attr::Kind::None) {
    if (m->kind == Attr::Kind::String) {
      std::string s = lower(m->str);
      if (s == "same" || s == "same_upper") p.pad_mode = PadMode::Same;
      else if (s == "valid") p.pad_mode = PadMode::Valid;
      else if (s == "pad" || s == "explicit") p.pad_mode = PadMode::Pad;
      else MINDLET_FAIL("UNSUPPORTED", where + ": pad_mode '" + m->str + "' is not supported");
    } else {
      int64_t v = attrs.get_int("pad_mode", 2);
      if (v < 0 || v > 2) MINDLET_FAIL("UNSUPPORTED", where + ": pad_mode " + std::to_string(v) + " is not supported");
      p.pad_mode = PadMode(v);
    }
  }
  if (p.pad_mode == PadMode::Pad) {
    std::vector<int64_t> pads = attrs.get_ints("pad_list");
    if (pads.size() != 4) pads = attrs.get_ints("pad");
    if (pads.size() == 1) pads = {pads[0], pads[0], pads[0], pads[0]};
    if (pads.size() == 2) pads = {pads[0], pads[0], pads[1], pads[1]};
    if (pads.size() != 4 && !pads.empty())
      MINDLET_FAIL("INVALID_GRAPH", where + ": pad must have 1, 2 or 4 values");
    for (size_t i = 0; i < pads.size(); ++i) {
      if (pads[i] < 0) MINDLET_FAIL("INVALID_GRAPH", where + ": negative padding");
      p.pad[i] = pads[i];
    }
  }
  p.group = attrs.has("group") ? attrs.get_int("group", 1) : attrs.get_int("groups", 1);
  if (p.group < 1) MINDLET_FAIL("INVALID_GRAPH", where + ": group must be at least 1");
  p.out_channel = attrs.get_int("out_channel", 0);
  return p;
}

static std::atomic<int> g_algo{-1};
void set_conv_algo_override(ConvAlgo a) { g_algo.store(int(a), std::memory_order_relaxed); }
ConvAlgo conv_algo_override() { return ConvAlgo(g_algo.load(std::memory_order_relaxed)); }

bool forward_axis(int64_t in, int64_t k, int64_t s, int64_t d, PadMode mode, int64_t pb, int64_t pa, Axis* out) {
  const int64_t span = (k - 1) * d + 1;
  out->in = in;
  if (mode == PadMode::Same) {
    out->out = (in + s - 1) / s;
    int64_t total = std::max<int64_t>((out->out - 1) * s + span - in, 0);
    out->pad_before = total / 2;
    out->pad_after = total - total / 2;
  } else {
    out->pad_before = mode == PadMode::Pad ? pb : 0;
    out->pad_after = mode == PadMode::Pad ? pa : 0;
    int64_t padded = in + out->pad_before + out->pad_after;
    out->out = padded >= span ? (padded - span) / s + 1 : 0;
  }
  return out->out > 0;
}

}  // namespace mindlet::conv
