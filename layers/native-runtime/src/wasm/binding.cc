// The WebAssembly engine's C ABI (src/runtime/wasm/engine.ts is its one caller). The wasm build only: the
// node-gyp source list skips src/wasm/ (scripts/list-sources.cjs), and this file never sees N-API.
//
// Graphs arrive as one binary buffer written by src/runtime/wasm/spec-encode.ts (the format is described
// there): the same description buildGraphSpec gives the native addon, decoded with bounds checks. Errors are
// reported through engine_fail (engine/fail.h), which records a code and message and traps; the JS side reads the
// record and never calls into the trapped instance again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "engine/session.h"

#define MINDLET_EXPORT(name) extern "C" __attribute__((export_name(name), visibility("default")))

// Allocation failures report LIMIT_EXCEEDED instead of aborting (the wasm libc++ has no bad_alloc to throw).
// libc++abi's operator delete frees with free(), which matches malloc and aligned_alloc.
void* operator new(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) mindlet::engine_out_of_memory();
  return p;
}
void* operator new[](size_t n) { return ::operator new(n); }
void* operator new(size_t n, std::align_val_t a) {
  const size_t align = static_cast<size_t>(a);
  void* p = std::aligned_alloc(align, (n + align - 1) / align * align);
  if (!p) mindlet::engine_out_of_memory();
  return p;
}
void* operator new[](size_t n, std::align_val_t a) { return ::operator new(n, a); }

// thread_local objects with destructors (the kernels' per-thread pack buffers) register them here; wasi-libc
// lacks it. One thread: a thread-local is a global, so its destructor joins the ordinary exit handlers (which a
// reactor never runs: the instance's memory simply goes away with it).
extern "C" int __cxa_atexit(void (*fn)(void*), void* obj, void* dso);
extern "C" int __cxa_thread_atexit(void (*fn)(void*), void* obj, void* dso) { return __cxa_atexit(fn, obj, dso); }

namespace {

using namespace mindlet;

// A bounds-checked little-endian reader over the graph or input description.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  const uint8_t* take(size_t bytes) {
    if (bytes > n_ - pos_) MINDLET_FAIL("INVALID_GRAPH", "the graph description is truncated");
    const uint8_t* at = p_ + pos_;
    pos_ += bytes;
    return at;
  }
  template <class T>
  T read() {
    T v;
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  uint32_t u32() { return read<uint32_t>(); }
  std::string str() {
    const uint32_t len = u32();
    const uint8_t* s = take(len);
    return std::string(reinterpret_cast<const char*>(s), len);
  }
  Shape shape() {
    const uint32_t rank = u32();
    if (rank > 64) MINDLET_FAIL("INVALID_GRAPH", "a shape has " + std::to_string(rank) + " dimensions");
    Shape s(rank);
    for (auto& d : s) d = read<int64_t>();
    return s;
  }
  // Skips to the next multiple of `align` from the buffer's start (tensor bytes are aligned by the encoder).
  void align(size_t a) { take((a - pos_ % a) % a); }
  bool done() const { return pos_ == n_; }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
};

constexpr uint32_t kGraphMagic = 0x3147534d;  // "MSG1"
constexpr uint32_t kInputsMagic = 0x3149534d;  // "MSI1"

enum AttrTag : uint8_t { kNone = 0, kNumber = 1, kInt = 2, kBool = 3, kString = 4, kList = 5, kTensor = 6, kType = 7 };

// A tensor: dtype, shape, byte length, then the bytes (16-byte aligned). Graph constants borrow the bytes (the
// session copies or frees every borrowed constant when it is built, after which the buffer may go); attribute
// tensors are copied, since kernels may read them for the session's life.
std::shared_ptr<ConstTensor> read_tensor(Reader& r, bool borrow) {
  DType dtype = dtype_from_name(r.str());
  Shape shape = r.shape();
  for (int64_t d : shape)
    if (d < 0) MINDLET_FAIL("INVALID_GRAPH", "tensor shape " + shape_str(shape) + " has a negative dimension");
  const uint32_t len = r.u32();
  r.align(16);
  const uint8_t* bytes = r.take(len);
  std::shared_ptr<ConstTensor> t;
  if (borrow) {
    t = std::make_shared<ConstTensor>();
    t->dtype = dtype;
    t->shape = shape;
    t->data = bytes;
    t->borrowed_ref = 0;
    t->misaligned = reinterpret_cast<uintptr_t>(bytes) % dtype_size(dtype) != 0;
  } else {
    t = make_owned_tensor(dtype, shape);
  }
  if (len != t->bytes())
    MINDLET_FAIL("INVALID_GRAPH", "tensor has " + std::to_string(len) + " bytes, its shape " + shape_str(shape) +
                                      " needs " + std::to_string(t->bytes()));
  if (!borrow) std::memcpy(t->owned.data(), bytes, len);
  return t;
}

Attr read_attr(Reader& r, int depth) {
  if (depth > 32) MINDLET_FAIL("INVALID_GRAPH", "attribute lists nest too deeply");
  Attr a;
  switch (r.read<uint8_t>()) {
    case kNone: break;
    case kNumber:
      a.kind = Attr::Kind::Number;
      a.number = r.read<double>();
      break;
    case kInt:
      a.kind = Attr::Kind::Int;
      a.integer = r.read<int64_t>();
      break;
    case kBool:
      a.kind = Attr::Kind::Bool;
      a.boolean = r.read<uint8_t>() != 0;
      break;
    case kString:
      a.kind = Attr::Kind::String;
      a.str = r.str();
      break;
    case kList: {
      a.kind = Attr::Kind::List;
      const uint32_t n = r.u32();
      for (uint32_t i = 0; i < n; ++i) a.list.push_back(read_attr(r, depth + 1));
      break;
    }
    case kTensor:
      a.kind = Attr::Kind::Tensor;
      a.tensor = read_tensor(r, false);
      break;
    case kType:
      a.kind = Attr::Kind::Type;
      a.str = r.str();
      break;
    default: MINDLET_FAIL("INVALID_GRAPH", "unknown attribute kind in the graph description");
  }
  return a;
}

std::vector<int> read_indices(Reader& r, size_t values) {
  const uint32_t n = r.u32();
  std::vector<int> out;
  for (uint32_t i = 0; i < n; ++i) {
    const int32_t k = r.read<int32_t>();
    if (k < 0 || size_t(k) >= values) MINDLET_FAIL("INVALID_GRAPH", "value index out of range");
    out.push_back(k);
  }
  return out;
}

Graph read_graph(Reader& r) {
  if (r.u32() != kGraphMagic) MINDLET_FAIL("INVALID_GRAPH", "not a graph description for this engine");
  Graph g;
  const uint32_t nvalues = r.u32();
  for (uint32_t i = 0; i < nvalues; ++i) {
    ValueInfo vi;
    vi.name = r.str();
    vi.dtype = dtype_from_name(r.str());
    const uint8_t flags = r.read<uint8_t>();
    vi.rank_known = (flags & 1) != 0;
    if (vi.rank_known) vi.shape = r.shape();
    if (flags & 2) {
      vi.constant = read_tensor(r, true);
      vi.dtype = vi.constant->dtype;
      vi.shape = vi.constant->shape;
      vi.rank_known = true;
    }
    g.values.push_back(std::move(vi));
  }
  g.inputs = read_indices(r, g.values.size());
  for (int v : g.inputs) g.values[size_t(v)].is_input = true;
  g.outputs = read_indices(r, g.values.size());
  const uint32_t nnodes = r.u32();
  for (uint32_t i = 0; i < nnodes; ++i) {
    Node n;
    n.name = r.str();
    n.op = r.str();
    n.inputs = read_indices(r, g.values.size());
    n.outputs = read_indices(r, g.values.size());
    const uint32_t nattrs = r.u32();
    for (uint32_t k = 0; k < nattrs; ++k) {
      std::string key = r.str();
      n.attrs.items[key] = read_attr(r, 0);
    }
    g.nodes.push_back(std::move(n));
  }
  if (!r.done()) MINDLET_FAIL("INVALID_GRAPH", "the graph description has trailing bytes");
  return g;
}

// Little-endian output buffer for run results.
struct Writer {
  std::vector<uint8_t> bytes;
  template <class T>
  void put(T v) {
    const size_t at = bytes.size();
    bytes.resize(at + sizeof(T));
    std::memcpy(bytes.data() + at, &v, sizeof(T));
  }
  void str(const char* s) {
    const uint32_t n = uint32_t(std::strlen(s));
    put(n);
    bytes.insert(bytes.end(), s, s + n);
  }
};

struct RunResult {
  std::vector<OutputTensor> outputs;
  Writer desc;
};

void clear_error() { fail_record().code[0] = 0; }

void json_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  out += '"';
}

std::string json_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

// Memory for the JS side (graph descriptions, inputs): 64-byte aligned, like the engine's own buffers.
MINDLET_EXPORT("mindlet_malloc") void* mindlet_malloc(uint32_t bytes) {
  clear_error();
  void* p = std::aligned_alloc(64, (size_t(bytes) + 63) / 64 * 64 + 64);
  if (!p) engine_out_of_memory();
  return p;
}

MINDLET_EXPORT("mindlet_free") void mindlet_free(void* p) { std::free(p); }

// Where engine_fail records its code and message: a FailRecord (char code[32]; char message[4096]).
MINDLET_EXPORT("mindlet_fail_record") void* mindlet_fail_record() { return &fail_record(); }

// The primitives the engine runs, '\n'-separated (the addon's registeredOps: kernels plus the planner's ops).
MINDLET_EXPORT("mindlet_registered_ops") const char* mindlet_registered_ops() {
  static std::string list;
  if (list.empty()) {
    auto ops = registered_ops();
    ops.push_back("Shape");
    ops.push_back("TensorShape");
    ops.push_back("DynamicShape");
    for (size_t i = 0; i < ops.size(); ++i) list += (i ? "\n" : "") + ops[i];
  }
  return list.c_str();
}

// Builds a session from a graph description. The buffer may be freed as soon as this returns: every constant
// the session still needs was copied (or packed) by then.
MINDLET_EXPORT("mindlet_session_create")
Session* mindlet_session_create(const uint8_t* spec, uint32_t len, int32_t plan_cache_size, int32_t profile) {
  clear_error();
  Reader r(spec, len);
  Graph g = read_graph(r);
  SessionOptions options;
  options.threads = 1;
  options.plan_cache_size = plan_cache_size;
  options.profile = profile != 0;
  return new Session(std::move(g), options);
}

MINDLET_EXPORT("mindlet_session_destroy") void mindlet_session_destroy(Session* s) { delete s; }

// Runs a session. `desc`: "MSI1", u32 count, then per input: dtype (u32 length + UTF-8), shape (u32 rank +
// i64 dims), u32 data address, u32 byte length. Returns a result handle for mindlet_result_desc/_free.
MINDLET_EXPORT("mindlet_session_run") RunResult* mindlet_session_run(Session* s, const uint8_t* desc, uint32_t len) {
  clear_error();
  Reader r(desc, len);
  if (r.u32() != kInputsMagic) MINDLET_FAIL("INVALID_ARGUMENT", "not an input description for this engine");
  const uint32_t n = r.u32();
  std::vector<InputTensor> inputs;
  for (uint32_t i = 0; i < n; ++i) {
    InputTensor t;
    t.dtype = dtype_from_name(r.str());
    t.shape = r.shape();
    t.data = reinterpret_cast<const void*>(uintptr_t(r.u32()));
    t.bytes = r.u32();
    inputs.push_back(std::move(t));
  }
  auto result = std::make_unique<RunResult>();
  result->outputs = s->run(inputs);
  Writer& w = result->desc;
  w.put(uint32_t(result->outputs.size()));
  for (auto& o : result->outputs) {
    w.str(dtype_name(o.dtype));
    w.put(uint32_t(o.shape.size()));
    for (int64_t d : o.shape) w.put(d);
    w.put(uint32_t(reinterpret_cast<uintptr_t>(o.data)));
    w.put(uint32_t(o.bytes));
  }
  return result.release();
}

// A run's outputs: u32 count, then per output: dtype (u32 length + UTF-8), shape (u32 rank + i64 dims),
// u32 data address, u32 byte length. Valid until mindlet_result_free.
MINDLET_EXPORT("mindlet_result_desc") const uint8_t* mindlet_result_desc(RunResult* r) { return r->desc.bytes.data(); }

MINDLET_EXPORT("mindlet_result_free") void mindlet_result_free(RunResult* r) {
  for (auto& o : r->outputs) std::free(o.data);
  delete r;
}

// The session's figures as JSON (the native addon's stats() object). Valid until the next call.
MINDLET_EXPORT("mindlet_session_stats") const char* mindlet_session_stats(Session* s) {
  clear_error();
  static std::string json;
  const auto st = s->stats();
  json = "{\"nodes\":" + std::to_string(st.nodes) + ",\"folded\":" + std::to_string(st.folded) +
         ",\"fusedBatchNorm\":" + std::to_string(st.fused_batchnorm) + ",\"fusedBias\":" + std::to_string(st.fused_bias) +
         ",\"fusedScale\":" + std::to_string(st.fused_scale) + ",\"fusedActivation\":" +
         std::to_string(st.fused_activation) + ",\"fusedResidual\":" + std::to_string(st.fused_residual) +
         ",\"plans\":" + std::to_string(st.plans) + ",\"releasedBytes\":" + std::to_string(st.released_bytes) +
         ",\"threads\":" + std::to_string(s->threads()) + ",\"opTimes\":{";
  bool first = true;
  for (auto& [op, entry] : s->op_profile()) {
    if (!first) json += ',';
    first = false;
    json_string(json, op);
    json += ":{\"ms\":" + json_number(entry.first) + ",\"calls\":" + std::to_string(entry.second) + "}";
  }
  json += "}}";
  return json.c_str();
}
