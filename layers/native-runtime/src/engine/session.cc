#include "session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

namespace mindlet {

namespace {

constexpr size_t kAlign = 64;
size_t align_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

const std::set<std::string>& shape_ops() {
  static const std::set<std::string> ops = {"Shape", "TensorShape", "DynamicShape"};
  return ops;
}

// Activations a Conv2D/MatMul epilogue can apply, by MindSpore primitive → epilogue name. MindSpore's GeLU
// primitive is the tanh approximation (nn.GELU(approximate=False) exports Erf nodes instead).
const std::map<std::string, std::string>& fusable_activations() {
  static const std::map<std::string, std::string> m = {
      {"ReLU", "relu"},       {"ReLU6", "relu6"}, {"Sigmoid", "sigmoid"}, {"Tanh", "tanh"},   {"GeLU", "gelu_tanh"},
      {"FastGeLU", "fast_gelu"}, {"HSwish", "hswish"}, {"HSigmoid", "hsigmoid"}, {"SiLU", "silu"}};
  return m;
}

}  // namespace

bool is_planner_op(const std::string& op) { return shape_ops().count(op) != 0; }

// How a value's bytes are found at run time.
enum class Storage : uint8_t { Const, Input, Arena, Output };

struct Plan {
  std::vector<Shape> input_shapes;
  std::vector<ValueDesc> descs;            // by value
  std::vector<Storage> storage;            // by value
  std::vector<size_t> offset;              // arena offset (Arena) or input index (Input)
  std::vector<const void*> const_data;     // Const values
  std::vector<std::shared_ptr<ConstTensor>> folded;  // plan-time results (kept alive here)
  std::vector<int> root;                   // by value: the value whose bytes it shares (views)
  std::vector<int> exec;                   // node indices to run, in order
  std::vector<size_t> scratch_offset;      // by node
  // Per exec step: the kernel's input/output views with shapes filled in; data pointers are set at each run
  // (runs of one session are serialized, so patching them in place is safe).
  std::vector<std::vector<TensorView>> step_in, step_out;
  size_t arena_bytes = 0;
  Mutex arenas_mu;
  std::vector<void*> free_arenas;  // 64-byte aligned, arena_bytes each
  ~Plan() {
    for (void* a : free_arenas) std::free(a);
  }
  void* take_arena() {
    {
      LockGuard<Mutex> lock(arenas_mu);
      if (!free_arenas.empty()) {
        void* a = free_arenas.back();
        free_arenas.pop_back();
        return a;
      }
    }
    void* a = std::aligned_alloc(kAlign, std::max(kAlign, align_up(arena_bytes)));
    if (!a) MINDLET_FAIL("LIMIT_EXCEEDED", "out of memory allocating " + std::to_string(arena_bytes) + " bytes of activations");
    return a;
  }
  void give_arena(void* a) {
    LockGuard<Mutex> lock(arenas_mu);
    free_arenas.push_back(a);
  }
};

// First-fit allocator over offsets: plans where each activation lives in one arena, reusing freed ranges.
class ArenaPlanner {
 public:
  size_t alloc(size_t bytes) {
    bytes = align_up(std::max<size_t>(bytes, 1));
    size_t best = SIZE_MAX, best_size = SIZE_MAX;
    size_t cursor = 0;
    for (auto& [off, size] : live_) {
      if (off >= cursor && off - cursor >= bytes && off - cursor < best_size) {
        best = cursor;
        best_size = off - cursor;
      }
      cursor = std::max(cursor, off + size);
    }
    size_t at = best != SIZE_MAX ? best : cursor;
    live_.insert({at, bytes});
    peak_ = std::max(peak_, at + bytes);
    return at;
  }
  void free(size_t offset) {
    for (auto it = live_.begin(); it != live_.end(); ++it)
      if (it->first == offset) {
        live_.erase(it);
        return;
      }
  }
  size_t peak() const { return peak_; }

 private:
  std::multimap<size_t, size_t> live_;  // offset → size
  size_t peak_ = 0;
};

Session::Session(Graph graph, SessionOptions options)
    : graph_(std::move(graph)), options_(options), pool_(std::max(1, options.threads)) {
  // Every op must have a kernel before any work starts, so the error names all of them at once.
  std::vector<std::string> missing;
  for (auto& n : graph_.nodes) {
    if (n.removed || is_planner_op(n.op) || find_kernel(n.op)) continue;
    std::string entry = n.op + " (node " + n.name + ")";
    if (std::find_if(missing.begin(), missing.end(), [&](const std::string& m) { return m.rfind(n.op + " ", 0) == 0; }) ==
        missing.end())
      missing.push_back(entry);
  }
  if (!missing.empty()) {
    std::string msg = "unsupported operator" + std::string(missing.size() > 1 ? "s: " : ": ");
    for (size_t i = 0; i < missing.size(); ++i) msg += (i ? ", " : "") + missing[i];
    MINDLET_FAIL("UNSUPPORTED", msg);
  }
  fold_constants();
  fuse();
  kernels_.resize(graph_.nodes.size());
  // Readers left per constant: once the last one is created and none reads it at run time, its bytes go at once,
  // so load never holds the original, the folded and the packed copy of every weight together.
  std::vector<int> readers(graph_.values.size(), 0);
  std::vector<char> needed(graph_.values.size(), 0);
  for (int v : graph_.outputs) needed[size_t(v)] = 1;
  for (auto& n : graph_.nodes)
    if (!n.removed)
      for (int v : n.inputs) readers[size_t(v)]++;
  // Weights nothing reads any more (replaced by folded ones, inputs of folded nodes) go first.
  for (size_t v = 0; v < graph_.values.size(); ++v)
    if (readers[v] == 0 && !needed[v]) release(int(v));
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    Node& n = graph_.nodes[i];
    if (n.removed) continue;
    if (!is_planner_op(n.op)) {
      LoadContext ctx(graph_, n);
      kernels_[i] = (*find_kernel(n.op))(ctx);
      stats_.nodes++;
    }
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      int v = n.inputs[k];
      if (!kernels_[i] || kernels_[i]->reads_constant_at_run(int(k))) needed[size_t(v)] = 1;
      if (--readers[size_t(v)] == 0 && !needed[size_t(v)]) release(v);
    }
  }
  // Constants still read at run time are copied out of the model buffer so the file can be freed.
  for (auto& vi : graph_.values) {
    if (!vi.constant || vi.constant->borrowed_ref < 0) continue;
    auto& c = *vi.constant;
    unpinned_.push_back(c.borrowed_ref);
    c.borrowed_ref = -1;
    if (!c.owned.empty()) continue;  // already copied when first used (it was misaligned)
    auto copy = make_owned_tensor(c.dtype, c.shape);
    std::memcpy(copy->owned.data(), c.data, c.bytes());  // memcpy: fine for misaligned bytes
    vi.constant = copy;
  }
}

void Session::release(int v) {
  ValueInfo& vi = graph_.values[size_t(v)];
  if (!vi.constant) return;
  if (vi.constant->borrowed_ref >= 0) unpinned_.push_back(vi.constant->borrowed_ref);
  stats_.released_bytes += vi.constant->bytes();
  vi.constant.reset();
  vi.released = true;
}

Session::~Session() = default;

std::vector<std::pair<std::string, std::pair<double, int64_t>>> Session::op_profile() const {
  LockGuard<Mutex> lock(run_mu_);
  return {op_ms_.begin(), op_ms_.end()};
}

Session::Stats Session::stats() const {
  Stats s = stats_;
  s.plans = int(plans_.size());
  return s;
}

// Runs every node whose inputs are all constants once, at load, so weight preprocessing costs nothing per run.
void Session::fold_constants() {
  for (auto& n : graph_.nodes) {
    if (n.removed || is_planner_op(n.op)) continue;
    bool all_const = !n.inputs.empty();
    for (int v : n.inputs) all_const = all_const && graph_.values[size_t(v)].constant != nullptr;
    if (!all_const) continue;
    const KernelFactory* factory = find_kernel(n.op);
    LoadContext lctx(graph_, n);
    auto kernel = (*factory)(lctx);
    std::vector<ValueDesc> descs;
    std::vector<TensorView> views;
    for (int v : n.inputs) {
      auto& c = *graph_.values[size_t(v)].constant;
      c.aligned();
      descs.push_back(ValueDesc{c.dtype, c.shape, c.data});
      views.push_back(TensorView{c.dtype, c.shape, const_cast<void*>(c.data)});
    }
    InferContext ictx(n, descs);
    kernel->infer(ictx);
    std::vector<std::shared_ptr<ConstTensor>> results;
    std::vector<TensorView> outs;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      auto& d = ictx.outputs()[k];
      if (kernel->is_view() && k == 0) {
        auto t = make_owned_tensor(d.dtype, d.shape);
        std::memcpy(t->owned.data(), views[0].data, t->bytes());
        results.push_back(t);
        continue;
      }
      results.push_back(make_owned_tensor(d.dtype, d.shape));
      outs.push_back(TensorView{d.dtype, d.shape, results.back()->owned.data()});
    }
    if (!kernel->is_view()) {
      std::vector<uint8_t> scratch(ictx.scratch_bytes() + kAlign);
      void* sp = reinterpret_cast<void*>(align_up(reinterpret_cast<uintptr_t>(scratch.data())));
      RunContext rctx(views, outs, sp, pool_);  // views and outs outlive the call
      kernel->run(rctx);
    }
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      ValueInfo& vi = graph_.values[size_t(n.outputs[k])];
      vi.constant = results[k];
      vi.dtype = results[k]->dtype;
      vi.shape = results[k]->shape;
      vi.rank_known = true;
    }
    n.removed = true;
    stats_.folded++;
  }
}

namespace {

int single_consumer(const Graph& g, const std::vector<int>& uses, int value, size_t after) {
  if (uses[size_t(value)] != 1) return -1;
  for (int o : g.outputs)
    if (o == value) return -1;
  for (size_t i = after + 1; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.removed) continue;
    for (int v : n.inputs)
      if (v == value) return int(i);
  }
  return -1;
}

bool is_const_1d(const Graph& g, int v, int64_t len) {
  auto& c = g.values[size_t(v)].constant;
  return c && c->dtype == DType::F32 && c->numel() == len;
}

// A float constant holding one value per channel of an NCHW tensor: shape [C, 1, 1] or [1, C, 1, 1].
bool is_per_channel(const Graph& g, int v, int64_t channels) {
  auto& c = g.values[size_t(v)].constant;
  if (!c || c->dtype != DType::F32 || c->numel() != channels) return false;
  const Shape& s = c->shape;
  return (s.size() == 3 && s[1] == 1 && s[2] == 1) || (s.size() == 4 && s[0] == 1 && s[2] == 1 && s[3] == 1);
}

// Moves `producer` into `consumer`'s slot (so every input of both is computed first) and drops the producer.
void absorb(Graph& g, size_t producer, size_t consumer, int output_value) {
  Node merged = g.nodes[producer];
  merged.outputs = {output_value};
  g.nodes[producer].removed = true;
  g.nodes[consumer] = std::move(merged);
}

}  // namespace

// Fusions that remove whole memory passes: BatchNorm folded into Conv2D weights, bias adds, residual adds and
// activations applied in the Conv2D / MatMul epilogue.
void Session::fuse() {
  for (size_t start = 0; start < graph_.nodes.size(); ++start) {
    Node& n = graph_.nodes[start];
    if (n.removed || (n.op != "Conv2D" && n.op != "MatMul")) continue;
    const bool conv = n.op == "Conv2D";
    // `i` follows the node as it absorbs consumers and moves to their slots; `start` goes on in order, so nodes
    // between the two (another branch of a residual block) are still visited.
    size_t i = start;
    for (;;) {
      Node& cur = graph_.nodes[i];
      if (cur.removed) break;
      auto uses = graph_.use_counts();
      int out = cur.outputs[0];
      int ci = single_consumer(graph_, uses, out, i);
      if (ci < 0) break;
      Node& next = graph_.nodes[size_t(ci)];
      const bool has_bias = cur.attrs.get_int("mindlet.has_bias", 0) != 0;
      const bool has_res = cur.attrs.get_int("mindlet.has_residual", 0) != 0;
      const bool has_act = !cur.attrs.get_string("mindlet.activation", "").empty();
      auto* weight = graph_.values[size_t(cur.inputs[1])].constant.get();
      if (has_act) break;
      // Conv2D → BatchNorm (inference) with constant statistics: scale the weights, shift into the bias.
      if (conv && next.op == "BatchNorm" && !has_res && weight && weight->dtype == DType::F32 &&
          next.inputs.size() >= 5 && next.inputs[0] == out && !next.attrs.get_bool("is_training", false)) {
        bool used_extra = false;
        for (size_t k = 1; k < next.outputs.size(); ++k) used_extra = used_extra || uses[size_t(next.outputs[k])] > 0;
        int64_t oc = weight->shape.empty() ? 0 : weight->shape[0];
        bool ok = !used_extra && oc > 0;
        for (int k = 1; k < 5 && ok; ++k) ok = is_const_1d(graph_, next.inputs[size_t(k)], oc);
        if (!ok) break;
        auto get = [&](int k) { return static_cast<const float*>(graph_.values[size_t(next.inputs[size_t(k)])].constant->aligned()); };
        const float *gamma = get(1), *beta = get(2), *mean = get(3), *var = get(4);
        double eps = next.attrs.get_float("epsilon", 1e-5);
        auto w2 = make_owned_tensor(DType::F32, weight->shape);
        auto b2 = make_owned_tensor(DType::F32, {oc});
        const float* w = static_cast<const float*>(weight->aligned());
        float* wn = reinterpret_cast<float*>(w2->owned.data());
        float* bn = reinterpret_cast<float*>(b2->owned.data());
        const float* old_bias = has_bias ? static_cast<const float*>(graph_.values[size_t(cur.inputs[2])].constant->aligned()) : nullptr;
        int64_t per = weight->numel() / oc;
        for (int64_t c = 0; c < oc; ++c) {
          double s = double(gamma[c]) / std::sqrt(double(var[c]) + eps);
          for (int64_t k = 0; k < per; ++k) wn[c * per + k] = float(w[c * per + k] * s);
          bn[c] = float(double(beta[c]) + ((old_bias ? old_bias[c] : 0.0) - double(mean[c])) * s);
        }
        ValueInfo wv{cur.name + "/mindlet.folded_weight", DType::F32, weight->shape, true, w2, false};
        ValueInfo bv{cur.name + "/mindlet.folded_bias", DType::F32, {oc}, true, b2, false};
        int wid = graph_.add_value(wv), bid = graph_.add_value(bv);
        Node& c2 = graph_.nodes[i];
        const int old_weight = c2.inputs[1];
        c2.inputs[1] = wid;
        if (uses[size_t(old_weight)] == 1) release(old_weight);  // only the folded weights are read from now on
        if (has_bias) c2.inputs[2] = bid;
        else c2.inputs.insert(c2.inputs.begin() + 2, bid);
        c2.attrs.set_int("mindlet.has_bias", 1);
        absorb(graph_, i, size_t(ci), graph_.nodes[size_t(ci)].outputs[0]);
        stats_.fused_batchnorm++;
        i = size_t(ci);
        continue;
      }
      // Conv2D → Mul / Add by a per-channel constant (a BatchNorm some converters, e.g. MindSpore Lite 1.0, split
      // into a scale and a shift): scale the weights and the bias, or shift the bias.
      if (conv && !has_res && (next.op == "Mul" || (next.op == "Add" && has_bias)) && next.inputs.size() == 2 &&
          weight && weight->dtype == DType::F32 && !weight->shape.empty()) {
        int other = next.inputs[0] == out ? next.inputs[1] : next.inputs[0];
        int64_t oc = weight->shape[0];
        if (other != out && is_per_channel(graph_, other, oc)) {
          const float* k = static_cast<const float*>(graph_.values[size_t(other)].constant->aligned());
          const float* old_bias =
              has_bias ? static_cast<const float*>(graph_.values[size_t(cur.inputs[2])].constant->aligned()) : nullptr;
          auto b2 = make_owned_tensor(DType::F32, {oc});
          float* bn = reinterpret_cast<float*>(b2->owned.data());
          Node& c2 = graph_.nodes[i];
          const int old_weight = c2.inputs[1];
          if (next.op == "Mul") {
            auto w2 = make_owned_tensor(DType::F32, weight->shape);
            const float* w = static_cast<const float*>(weight->aligned());
            float* wn = reinterpret_cast<float*>(w2->owned.data());
            int64_t per = weight->numel() / oc;
            for (int64_t c = 0; c < oc; ++c) {
              for (int64_t j = 0; j < per; ++j) wn[c * per + j] = w[c * per + j] * k[c];
              bn[c] = old_bias ? old_bias[c] * k[c] : 0.0f;
            }
            ValueInfo wv{cur.name + "/mindlet.scaled_weight", DType::F32, weight->shape, true, w2, false};
            c2.inputs[1] = graph_.add_value(wv);
            if (uses[size_t(old_weight)] == 1) release(old_weight);
          } else {
            for (int64_t c = 0; c < oc; ++c) bn[c] = old_bias[c] + k[c];
          }
          ValueInfo bv{cur.name + "/mindlet.shifted_bias", DType::F32, {oc}, true, b2, false};
          int bid = graph_.add_value(bv);
          if (has_bias) c2.inputs[2] = bid;
          else c2.inputs.insert(c2.inputs.begin() + 2, bid);
          c2.attrs.set_int("mindlet.has_bias", 1);
          absorb(graph_, i, size_t(ci), graph_.nodes[size_t(ci)].outputs[0]);
          stats_.fused_scale++;
          i = size_t(ci);
          continue;
        }
      }
      // Bias: BiasAdd, or Add of a constant vector along the channel (Conv2D) / column (MatMul) axis.
      if (!has_bias && !has_res && (next.op == "BiasAdd" || next.op == "Add") && next.inputs.size() == 2 &&
          next.inputs[0] == out) {
        int b = next.inputs[1];
        auto& bc = graph_.values[size_t(b)].constant;
        const auto& oshape = graph_.values[size_t(out)].shape;
        int64_t channels = 0;
        if (conv && weight && !weight->shape.empty()) channels = weight->shape[0];
        if (!conv && !oshape.empty()) channels = oshape.back();
        bool ok = bc && bc->dtype == DType::F32 && channels > 0 && bc->numel() == channels &&
                  (next.op == "BiasAdd" || (!conv && bc->shape.size() == 1) || (conv && is_per_channel(graph_, b, channels)));
        if (ok) {
          Node& c2 = graph_.nodes[i];
          c2.inputs.insert(c2.inputs.begin() + 2, b);
          c2.attrs.set_int("mindlet.has_bias", 1);
          absorb(graph_, i, size_t(ci), graph_.nodes[size_t(ci)].outputs[0]);
          stats_.fused_bias++;
          i = size_t(ci);
          continue;
        }
      }
      // Residual: Conv2D output + another tensor of the same declared shape, before the activation.
      if (conv && !has_res && next.op == "Add" && next.inputs.size() == 2) {
        int other = next.inputs[0] == out ? next.inputs[1] : next.inputs[0];
        const auto& a = graph_.values[size_t(out)];
        const auto& b = graph_.values[size_t(other)];
        if (other != out && !b.constant && a.rank_known && b.rank_known && a.shape == b.shape && a.shape.size() == 4 &&
            b.dtype == DType::F32) {
          Node& c2 = graph_.nodes[i];
          c2.inputs.push_back(other);
          c2.attrs.set_int("mindlet.has_residual", 1);
          absorb(graph_, i, size_t(ci), graph_.nodes[size_t(ci)].outputs[0]);
          stats_.fused_residual++;
          i = size_t(ci);
          continue;
        }
      }
      auto act = fusable_activations().find(next.op);
      if (act != fusable_activations().end() && next.inputs.size() == 1) {
        Node& c2 = graph_.nodes[i];
        c2.attrs.set_string("mindlet.activation", act->second);
        absorb(graph_, i, size_t(ci), graph_.nodes[size_t(ci)].outputs[0]);
        stats_.fused_activation++;
        i = size_t(ci);
        continue;
      }
      break;
    }
  }
}

std::shared_ptr<Plan> Session::plan_for(const std::vector<InputTensor>& inputs) {
  LockGuard<Mutex> lock(plans_mu_);
  for (auto it = plans_.begin(); it != plans_.end(); ++it) {
    bool same = true;
    for (size_t k = 0; k < inputs.size() && same; ++k) same = (*it)->input_shapes[k] == inputs[k].shape;
    if (same) {
      auto p = *it;
      plans_.erase(it);
      plans_.push_front(p);
      return p;
    }
  }
  std::vector<Shape> shapes;
  for (auto& in : inputs) shapes.push_back(in.shape);
  auto p = make_plan(shapes);
  plans_.push_front(p);
  while (int(plans_.size()) > std::max(1, options_.plan_cache_size)) plans_.pop_back();
  return p;
}

std::shared_ptr<Plan> Session::make_plan(const std::vector<Shape>& shapes) {
  auto plan = std::make_shared<Plan>();
  Plan& p = *plan;
  const size_t nv = graph_.values.size();
  p.input_shapes = shapes;
  p.descs.resize(nv);
  p.storage.assign(nv, Storage::Arena);
  p.offset.assign(nv, 0);
  p.const_data.assign(nv, nullptr);
  p.scratch_offset.assign(graph_.nodes.size(), 0);
  std::vector<char> known(nv, 0);
  for (size_t v = 0; v < nv; ++v) {
    auto& c = graph_.values[v].constant;
    if (graph_.values[v].released) {  // packed by every reader: shape known, bytes gone
      p.descs[v] = ValueDesc{graph_.values[v].dtype, graph_.values[v].shape, nullptr};
      p.storage[v] = Storage::Const;
      known[v] = 1;
    } else if (c) {
      c->aligned();
      p.descs[v] = ValueDesc{c->dtype, c->shape, c->data};
      p.storage[v] = Storage::Const;
      p.const_data[v] = c->data;
      known[v] = 1;
    }
  }
  for (size_t k = 0; k < graph_.inputs.size(); ++k) {
    int v = graph_.inputs[k];
    p.descs[size_t(v)] = ValueDesc{graph_.values[size_t(v)].dtype, shapes[k], nullptr};
    p.storage[size_t(v)] = Storage::Input;
    p.offset[size_t(v)] = k;
    known[size_t(v)] = 1;
  }
  // root[v]: the value whose bytes v shares (itself unless produced by a view op).
  std::vector<int> root(nv);
  for (size_t v = 0; v < nv; ++v) root[v] = int(v);
  std::vector<size_t> scratch(graph_.nodes.size(), 0);
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    if (n.removed) continue;
    std::vector<ValueDesc> in;
    bool all_const = true;
    for (int v : n.inputs) {
      if (!known[size_t(v)])
        MINDLET_FAIL("INVALID_GRAPH", n.op + " node " + n.name + ": input " + graph_.values[size_t(v)].name + " is never computed");
      in.push_back(p.descs[size_t(v)]);
      all_const = all_const && p.descs[size_t(v)].const_data;
    }
    if (is_planner_op(n.op)) {
      if (in.empty()) MINDLET_FAIL("INVALID_GRAPH", n.op + " node " + n.name + ": expects an input");
      auto t = make_owned_tensor(DType::I64, {int64_t(in[0].shape.size())});
      std::memcpy(t->owned.data(), in[0].shape.data(), in[0].shape.size() * 8);
      p.folded.push_back(t);
      int o = n.outputs[0];
      p.descs[size_t(o)] = ValueDesc{DType::I64, t->shape, t->data};
      p.storage[size_t(o)] = Storage::Const;
      p.const_data[size_t(o)] = t->data;
      known[size_t(o)] = 1;
      continue;
    }
    const Kernel& kernel = *kernels_[i];
    InferContext ictx(n, in);
    kernel.infer(ictx);
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      p.descs[size_t(n.outputs[k])] = ictx.outputs()[k];
      known[size_t(n.outputs[k])] = 1;
    }
    // Shape arithmetic (Shape → Gather → Concat → Reshape...) is folded now, once per plan.
    if (all_const) {
      std::vector<TensorView> views, outs;
      for (size_t k = 0; k < in.size(); ++k)
        views.push_back(TensorView{in[k].dtype, in[k].shape, const_cast<void*>(in[k].const_data)});
      for (size_t k = 0; k < n.outputs.size(); ++k) {
        auto& d = p.descs[size_t(n.outputs[k])];
        auto t = make_owned_tensor(d.dtype, d.shape);
        p.folded.push_back(t);
        if (kernel.is_view() && k == 0) std::memcpy(t->owned.data(), views[0].data, t->bytes());
        else outs.push_back(TensorView{d.dtype, d.shape, t->owned.data()});
        d.const_data = t->data;
        p.storage[size_t(n.outputs[k])] = Storage::Const;
        p.const_data[size_t(n.outputs[k])] = t->data;
      }
      if (!kernel.is_view()) {
        std::vector<uint8_t> buf(ictx.scratch_bytes() + kAlign);
        RunContext rctx(views, outs, reinterpret_cast<void*>(align_up(reinterpret_cast<uintptr_t>(buf.data()))), pool_);
        kernel.run(rctx);
      }
      continue;
    }
    if (kernel.is_view()) {
      int o = n.outputs[0];
      if (p.descs[size_t(o)].numel() != in[0].numel())
        MINDLET_FAIL("INVALID_ARGUMENT", n.op + " node " + n.name + ": cannot view " + shape_str(in[0].shape) + " as " + shape_str(p.descs[size_t(o)].shape));
      root[size_t(o)] = root[size_t(n.inputs[0])];
      continue;
    }
    scratch[i] = ictx.scratch_bytes();
    p.exec.push_back(int(i));
  }
  // Lifetimes: the last exec step that reads each root (graph outputs live to the end).
  const int end = int(p.exec.size());
  std::vector<int> last_use(nv, -1);
  for (int s = 0; s < end; ++s)
    for (int v : graph_.nodes[size_t(p.exec[size_t(s)])].inputs) last_use[size_t(root[size_t(v)])] = std::max(last_use[size_t(root[size_t(v)])], s);
  std::vector<char> is_output(nv, 0);
  for (int v : graph_.outputs) is_output[size_t(root[size_t(v)])] = 1;
  ArenaPlanner arena;
  std::vector<std::vector<int>> frees(size_t(end) + 1);
  for (int s = 0; s < end; ++s) {
    const Node& n = graph_.nodes[size_t(p.exec[size_t(s)])];
    for (int o : n.outputs) {
      if (root[size_t(o)] != o) continue;
      if (is_output[size_t(o)]) {
        p.storage[size_t(o)] = Storage::Output;
        continue;
      }
      size_t bytes = size_t(p.descs[size_t(o)].numel()) * dtype_size(p.descs[size_t(o)].dtype);
      p.offset[size_t(o)] = arena.alloc(bytes);
      // A value nobody reads (an unused BatchNorm statistic) is freed right after its node.
      frees[size_t(std::max(last_use[size_t(o)], s))].push_back(o);
    }
    size_t sb = scratch[size_t(p.exec[size_t(s)])];
    if (sb) {
      p.scratch_offset[size_t(p.exec[size_t(s)])] = arena.alloc(sb);
      arena.free(p.scratch_offset[size_t(p.exec[size_t(s)])]);
    }
    for (int v : frees[size_t(s)]) arena.free(p.offset[size_t(v)]);
  }
  // Views inherit their root's storage.
  for (size_t v = 0; v < nv; ++v) {
    if (root[v] == int(v) || !known[v]) continue;
    int r = root[v];
    p.storage[v] = p.storage[size_t(r)];
    p.offset[v] = p.offset[size_t(r)];
    p.const_data[v] = p.const_data[size_t(r)];
  }
  p.arena_bytes = arena.peak();
  p.root = std::move(root);
  for (int step : p.exec) {
    const Node& n = graph_.nodes[size_t(step)];
    std::vector<TensorView> in, out;
    for (int v : n.inputs) in.push_back(TensorView{p.descs[size_t(v)].dtype, p.descs[size_t(v)].shape, nullptr});
    for (int v : n.outputs) out.push_back(TensorView{p.descs[size_t(v)].dtype, p.descs[size_t(v)].shape, nullptr});
    p.step_in.push_back(std::move(in));
    p.step_out.push_back(std::move(out));
  }
  return plan;
}

std::vector<OutputTensor> Session::run(const std::vector<InputTensor>& inputs) {
  if (inputs.size() != graph_.inputs.size())
    MINDLET_FAIL("INVALID_ARGUMENT", "expected " + std::to_string(graph_.inputs.size()) + " inputs, got " + std::to_string(inputs.size()));
  for (size_t k = 0; k < inputs.size(); ++k) {
    const ValueInfo& vi = graph_.values[size_t(graph_.inputs[k])];
    if (inputs[k].dtype != vi.dtype)
      MINDLET_FAIL("INVALID_ARGUMENT", "input " + vi.name + " must be " + dtype_name(vi.dtype) + ", got " + dtype_name(inputs[k].dtype));
    if (vi.rank_known) {
      bool ok = vi.shape.size() == inputs[k].shape.size();
      for (size_t d = 0; ok && d < vi.shape.size(); ++d) ok = vi.shape[d] < 0 || vi.shape[d] == inputs[k].shape[d];
      if (!ok)
        MINDLET_FAIL("INVALID_ARGUMENT", "input " + vi.name + " must have shape " + shape_str(vi.shape) + ", got " + shape_str(inputs[k].shape));
    }
    if (inputs[k].bytes != size_t(shape_numel(inputs[k].shape)) * dtype_size(inputs[k].dtype))
      MINDLET_FAIL("INVALID_ARGUMENT", "input " + vi.name + " has " + std::to_string(inputs[k].bytes) + " bytes of data for shape " + shape_str(inputs[k].shape));
  }
  LockGuard<Mutex> run_lock(run_mu_);
  std::shared_ptr<Plan> plan = plan_for(inputs);
  Plan& p = *plan;
  const size_t nv = graph_.values.size();
  void* arena = p.take_arena();
  std::vector<OutputTensor> outputs;
  std::vector<void*> out_buffers(nv, nullptr);
  // On every exit the arena goes back and output buffers not handed to the caller are freed; on an error
  // (an exception natively) the copies already made for `outputs` go too. No try/catch: the WebAssembly build
  // has no exceptions (an error traps there, and the JS side discards the whole instance).
  struct Cleanup {
    Plan& p;
    void* arena;
    std::vector<void*>& out_buffers;
    std::vector<OutputTensor>& outputs;
    bool succeeded = false;
    ~Cleanup() {
      if (!succeeded) {
        for (auto& o : outputs)
          if (o.data) {
            bool owned_elsewhere = false;
            for (void* b : out_buffers) owned_elsewhere = owned_elsewhere || b == o.data;
            if (!owned_elsewhere) std::free(o.data);
          }
      }
      p.give_arena(arena);
      for (void* b : out_buffers) std::free(b);
    }
  } cleanup{p, arena, out_buffers, outputs};
  for (size_t v = 0; v < nv; ++v) {
    if (p.storage[v] != Storage::Output || p.root[v] != int(v)) continue;
    size_t bytes = size_t(p.descs[size_t(v)].numel()) * dtype_size(p.descs[size_t(v)].dtype);
    out_buffers[size_t(v)] = std::aligned_alloc(kAlign, align_up(std::max<size_t>(bytes, 1)));
    if (!out_buffers[size_t(v)]) MINDLET_FAIL("LIMIT_EXCEEDED", "out of memory allocating an output");
  }
  auto ptr = [&](int v) -> void* {
    switch (p.storage[size_t(v)]) {
      case Storage::Const: return const_cast<void*>(p.const_data[size_t(v)]);
      case Storage::Input: return const_cast<void*>(inputs[p.offset[size_t(v)]].data);
      case Storage::Output: return out_buffers[size_t(p.root[size_t(v)])];
      case Storage::Arena: return static_cast<uint8_t*>(arena) + p.offset[size_t(v)];
    }
    return nullptr;
  };
  for (size_t s = 0; s < p.exec.size(); ++s) {
    const int step = p.exec[s];
    const Node& n = graph_.nodes[size_t(step)];
    auto& in = p.step_in[s];
    auto& out = p.step_out[s];
    for (size_t k = 0; k < in.size(); ++k) in[k].data = ptr(n.inputs[k]);
    for (size_t k = 0; k < out.size(); ++k) out[k].data = ptr(n.outputs[k]);
    RunContext ctx(in, out, static_cast<uint8_t*>(arena) + p.scratch_offset[size_t(step)], pool_);
    if (options_.profile) {
      auto t0 = std::chrono::steady_clock::now();
      kernels_[size_t(step)]->run(ctx);
      // Keyed by op and output shape, so a slow layer class stands out (grouped convolutions apart).
      std::string key = n.op + (n.attrs.get_int("group", 1) > 1 ? " (grouped) " : " ") + shape_str(out[0].shape);
      if (n.op == "Conv2D") key += " k" + std::to_string(in.size() > 1 && in[1].shape.size() == 4 ? in[1].shape[3] : 0);
      auto& slot = op_ms_[key];
      slot.first += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      slot.second++;
    } else {
      kernels_[size_t(step)]->run(ctx);
    }
  }
  std::vector<char> handed(nv, 0);
  for (int v : graph_.outputs) {
    OutputTensor t{p.descs[size_t(v)].dtype, p.descs[size_t(v)].shape, nullptr, 0};
    t.bytes = size_t(shape_numel(t.shape)) * dtype_size(t.dtype);
    void* own = out_buffers[size_t(v)];
    if (own && !handed[size_t(v)] && p.storage[size_t(v)] == Storage::Output) {
      // The buffer itself goes to the caller; a second output naming the same value gets a copy.
      t.data = own;
      handed[size_t(v)] = 1;
    } else {
      t.data = std::malloc(std::max<size_t>(t.bytes, 1));
      if (!t.data) MINDLET_FAIL("LIMIT_EXCEEDED", "out of memory copying an output");
      std::memcpy(t.data, ptr(v), t.bytes);
    }
    outputs.push_back(t);
  }
  for (size_t v = 0; v < nv; ++v)
    if (handed[v]) out_buffers[v] = nullptr;
  cleanup.succeeded = true;
  return outputs;
}

}  // namespace mindlet
