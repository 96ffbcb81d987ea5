// Node binding: turns the graph description built in TypeScript (src/runtime) into an engine Session and runs it
// on libuv's worker threads, so the JS thread stays free while a model runs.
#include <napi.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "engine/session.h"
#include "probe/fma_peak.h"

namespace {

using namespace mindlet;

Napi::Error engine_error(Napi::Env env, const std::string& code, const std::string& msg) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

Shape read_shape(const Napi::Value& v) {
  Shape s;
  if (!v.IsArray()) return s;
  auto a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) s.push_back(int64_t(a.Get(i).As<Napi::Number>().Int64Value()));
  return s;
}

// Bytes of a Uint8Array / typed array without copying.
std::pair<const uint8_t*, size_t> typed_bytes(const Napi::Value& v) {
  if (!v.IsTypedArray()) throw EngineError("INVALID_ARGUMENT", "tensor data must be a typed array");
  auto t = v.As<Napi::TypedArray>();
  auto buf = t.ArrayBuffer();
  return {static_cast<const uint8_t*>(buf.Data()) + t.ByteOffset(), t.ByteLength()};
}

// Graph constants are borrowed even when misaligned (copied on first use); attribute tensors are small and
// read through typed pointers at once, so they are copied when misaligned.
std::shared_ptr<ConstTensor> read_tensor(const Napi::Object& o, std::vector<Napi::Reference<Napi::Value>>& keep,
                                         bool lazy_align = false) {
  auto t = std::make_shared<ConstTensor>();
  t->dtype = dtype_from_name(o.Get("dtype").As<Napi::String>().Utf8Value());
  t->shape = read_shape(o.Get("shape"));
  auto [ptr, len] = typed_bytes(o.Get("data"));
  if (len != t->bytes())
    throw EngineError("INVALID_GRAPH", "tensor has " + std::to_string(len) + " bytes, its shape " + shape_str(t->shape) + " needs " + std::to_string(t->bytes()));
  const bool aligned = reinterpret_cast<uintptr_t>(ptr) % dtype_size(t->dtype) == 0;
  if (aligned || lazy_align) {
    t->misaligned = !aligned;
    t->data = ptr;  // borrowed: pinned by the session object until the session copies or frees it after load
    t->borrowed_ref = int(keep.size());
    keep.push_back(Napi::Persistent(o.Get("data")));
  } else {
    t->owned.assign(ptr, ptr + len);  // misaligned in the file: kernels need naturally aligned elements
    t->owned.resize(len + 64);
    t->data = t->owned.data();
  }
  return t;
}

Attr read_attr(const Napi::Value& v, std::vector<Napi::Reference<Napi::Value>>& keep) {
  Attr a;
  if (v.IsNumber()) {
    a.kind = Attr::Kind::Number;
    a.number = v.As<Napi::Number>().DoubleValue();
  } else if (v.IsBigInt()) {
    bool lossless;
    a.kind = Attr::Kind::Int;
    a.integer = v.As<Napi::BigInt>().Int64Value(&lossless);
  } else if (v.IsBoolean()) {
    a.kind = Attr::Kind::Bool;
    a.boolean = v.As<Napi::Boolean>().Value();
  } else if (v.IsString()) {
    a.kind = Attr::Kind::String;
    a.str = v.As<Napi::String>().Utf8Value();
  } else if (v.IsArray()) {
    a.kind = Attr::Kind::List;
    auto arr = v.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); ++i) a.list.push_back(read_attr(arr.Get(i), keep));
  } else if (v.IsObject()) {
    auto o = v.As<Napi::Object>();
    if (o.Has("tensor")) {
      a.kind = Attr::Kind::Tensor;
      a.tensor = read_tensor(o.Get("tensor").As<Napi::Object>(), keep);
    } else if (o.Has("type")) {
      a.kind = Attr::Kind::Type;
      a.str = o.Get("type").As<Napi::String>().Utf8Value();
    }
  }
  return a;
}

Graph read_graph(const Napi::Object& spec, std::vector<Napi::Reference<Napi::Value>>& keep) {
  Graph g;
  auto values = spec.Get("values").As<Napi::Array>();
  for (uint32_t i = 0; i < values.Length(); ++i) {
    auto o = values.Get(i).As<Napi::Object>();
    ValueInfo vi;
    vi.name = o.Get("name").As<Napi::String>().Utf8Value();
    vi.dtype = dtype_from_name(o.Get("dtype").As<Napi::String>().Utf8Value());
    vi.rank_known = o.Get("shape").IsArray();
    vi.shape = read_shape(o.Get("shape"));
    if (o.Has("tensor") && o.Get("tensor").IsObject()) {
      vi.constant = read_tensor(o.Get("tensor").As<Napi::Object>(), keep, true);
      vi.dtype = vi.constant->dtype;
      vi.shape = vi.constant->shape;
      vi.rank_known = true;
    }
    g.values.push_back(std::move(vi));
  }
  auto index_list = [&](const Napi::Value& v) {
    std::vector<int> out;
    auto a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      int64_t k = a.Get(i).As<Napi::Number>().Int64Value();
      if (k < 0 || size_t(k) >= g.values.size()) throw EngineError("INVALID_GRAPH", "value index out of range");
      out.push_back(int(k));
    }
    return out;
  };
  g.inputs = index_list(spec.Get("inputs"));
  for (int v : g.inputs) g.values[size_t(v)].is_input = true;
  g.outputs = index_list(spec.Get("outputs"));
  auto nodes = spec.Get("nodes").As<Napi::Array>();
  for (uint32_t i = 0; i < nodes.Length(); ++i) {
    auto o = nodes.Get(i).As<Napi::Object>();
    Node n;
    n.name = o.Get("name").As<Napi::String>().Utf8Value();
    n.op = o.Get("op").As<Napi::String>().Utf8Value();
    n.inputs = index_list(o.Get("inputs"));
    n.outputs = index_list(o.Get("outputs"));
    auto attrs = o.Get("attrs").As<Napi::Object>();
    auto keys = attrs.GetPropertyNames();
    for (uint32_t k = 0; k < keys.Length(); ++k) {
      std::string key = keys.Get(k).As<Napi::String>().Utf8Value();
      n.attrs.items[key] = read_attr(attrs.Get(key), keep);
    }
    g.nodes.push_back(std::move(n));
  }
  return g;
}

class SessionWrap : public Napi::ObjectWrap<SessionWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeSession",
                       {InstanceMethod("run", &SessionWrap::Run), InstanceMethod("close", &SessionWrap::Close),
                        InstanceMethod("stats", &SessionWrap::Stats)});
  }

  SessionWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SessionWrap>(info) {
    Napi::Env env = info.Env();
    try {
      if (info.Length() < 1 || !info[0].IsObject()) throw EngineError("INVALID_ARGUMENT", "expected a graph description");
      SessionOptions options;
      if (info.Length() > 1 && info[1].IsObject()) {
        auto o = info[1].As<Napi::Object>();
        if (o.Get("threads").IsNumber()) options.threads = o.Get("threads").As<Napi::Number>().Int32Value();
        if (o.Get("planCacheSize").IsNumber()) options.plan_cache_size = o.Get("planCacheSize").As<Napi::Number>().Int32Value();
        if (o.Get("profile").IsBoolean()) options.profile = o.Get("profile").As<Napi::Boolean>().Value();
      }
      Graph g = read_graph(info[0].As<Napi::Object>(), keep_);
      session_ = std::make_shared<Session>(std::move(g), options);
      for (int ref : session_->unpinned_refs()) keep_[size_t(ref)].Reset();
    } catch (const EngineError& e) {
      engine_error(env, e.code, e.what()).ThrowAsJavaScriptException();
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& e) {
      engine_error(env, "INTERNAL", e.what()).ThrowAsJavaScriptException();
    }
  }

 private:
  class RunWorker : public Napi::AsyncWorker {
   public:
    RunWorker(Napi::Env env, std::shared_ptr<Session> s, std::vector<InputTensor> in, Napi::Object self, Napi::Array inputs)
        : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), session_(std::move(s)),
          inputs_(std::move(in)) {
      self_ = Napi::Persistent(self);
      input_refs_ = Napi::Persistent(inputs.As<Napi::Object>());
    }
    ~RunWorker() override {
      for (auto& o : outputs_) std::free(o.data);
    }
    Napi::Promise promise() { return deferred_.Promise(); }
    void Execute() override {
      try {
        outputs_ = session_->run(inputs_);
      } catch (const EngineError& e) {
        code_ = e.code;
        SetError(e.what());
      } catch (const std::bad_alloc&) {
        code_ = "LIMIT_EXCEEDED";
        SetError("out of memory while running the model");
      } catch (const std::exception& e) {
        code_ = "INTERNAL";
        SetError(e.what());
      }
    }
    void OnOK() override {
      Napi::Env env = Env();
      auto arr = Napi::Array::New(env, outputs_.size());
      for (size_t i = 0; i < outputs_.size(); ++i) {
        auto& o = outputs_[i];
        auto obj = Napi::Object::New(env);
        obj.Set("dtype", dtype_name(o.dtype));
        auto shape = Napi::Array::New(env, o.shape.size());
        for (size_t d = 0; d < o.shape.size(); ++d) shape.Set(uint32_t(d), Napi::Number::New(env, double(o.shape[d])));
        obj.Set("shape", shape);
        auto buf = Napi::ArrayBuffer::New(env, o.data, o.bytes, [](Napi::Env, void* p) { std::free(p); });
        o.data = nullptr;  // JS owns it now
        obj.Set("data", buf);
        arr.Set(uint32_t(i), obj);
      }
      deferred_.Resolve(arr);
    }
    void OnError(const Napi::Error& e) override { deferred_.Reject(engine_error(Env(), code_, e.Message()).Value()); }

   private:
    Napi::Promise::Deferred deferred_;
    std::shared_ptr<Session> session_;
    std::vector<InputTensor> inputs_;
    std::vector<OutputTensor> outputs_;
    Napi::ObjectReference self_;
    Napi::ObjectReference input_refs_;
    std::string code_ = "INTERNAL";
  };

  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto reject = [&](const std::string& code, const std::string& msg) {
      auto d = Napi::Promise::Deferred::New(env);
      d.Reject(engine_error(env, code, msg).Value());
      return d.Promise();
    };
    if (!session_) return reject("INVALID_ARGUMENT", "the session is closed");
    if (info.Length() < 1 || !info[0].IsArray()) return reject("INVALID_ARGUMENT", "run expects an array of tensors");
    auto arr = info[0].As<Napi::Array>();
    std::vector<InputTensor> inputs;
    try {
      for (uint32_t i = 0; i < arr.Length(); ++i) {
        auto o = arr.Get(i).As<Napi::Object>();
        InputTensor t;
        t.dtype = dtype_from_name(o.Get("dtype").As<Napi::String>().Utf8Value());
        t.shape = read_shape(o.Get("shape"));
        auto [ptr, len] = typed_bytes(o.Get("data"));
        t.data = ptr;
        t.bytes = len;
        if (reinterpret_cast<uintptr_t>(ptr) % dtype_size(t.dtype) != 0)
          throw EngineError("INVALID_ARGUMENT", "input " + std::to_string(i) + " data is not aligned to its element size");
        inputs.push_back(std::move(t));
      }
    } catch (const EngineError& e) {
      return reject(e.code, e.what());
    }
    auto* worker = new RunWorker(env, session_, std::move(inputs), Value(), arr);
    auto promise = worker->promise();
    worker->Queue();
    return promise;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    session_.reset();  // in-flight runs hold their own reference and finish first
    return info.Env().Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    if (!session_) return o;
    auto s = session_->stats();
    o.Set("nodes", s.nodes);
    o.Set("folded", s.folded);
    o.Set("fusedBatchNorm", s.fused_batchnorm);
    o.Set("fusedBias", s.fused_bias);
    o.Set("fusedScale", s.fused_scale);
    o.Set("fusedActivation", s.fused_activation);
    o.Set("fusedResidual", s.fused_residual);
    o.Set("plans", s.plans);
    o.Set("releasedBytes", double(s.released_bytes));
    o.Set("threads", session_->threads());
    auto ops = Napi::Object::New(env);
    for (auto& [op, entry] : session_->op_profile()) {
      auto e = Napi::Object::New(env);
      e.Set("ms", entry.first);
      e.Set("calls", double(entry.second));
      ops.Set(op, e);
    }
    o.Set("opTimes", ops);
    return o;
  }

  std::shared_ptr<Session> session_;
  std::vector<Napi::Reference<Napi::Value>> keep_;
};

Napi::Value RegisteredOps(const Napi::CallbackInfo& info) {
  auto ops = registered_ops();
  ops.push_back("Shape");
  ops.push_back("TensorShape");
  ops.push_back("DynamicShape");
  auto arr = Napi::Array::New(info.Env(), ops.size());
  for (size_t i = 0; i < ops.size(); ++i) arr.Set(uint32_t(i), ops[i]);
  return arr;
}

Napi::Value CpuFeatures(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  __builtin_cpu_init();
  o.Set("avx2", bool(__builtin_cpu_supports("avx2")));
  o.Set("fma", bool(__builtin_cpu_supports("fma")));
  o.Set("avx512f", bool(__builtin_cpu_supports("avx512f")));
  return o;
}

// measureFmaPeak({threads, milliseconds, isa}): the FMA peak of this machine on `threads` threads at once (see
// probe/fma_peak.h). Synchronous: a benchmark calls it once, before anything else runs, and wants the cores idle.
Napi::Value MeasureFmaPeak(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int threads = 1;
  double milliseconds = 500;
  probe::ProbeIsa isa = probe::ProbeIsa::Auto;
  if (info.Length() > 0 && info[0].IsObject()) {
    auto o = info[0].As<Napi::Object>();
    Napi::Value t = o.Get("threads"), ms = o.Get("milliseconds"), i = o.Get("isa");
    if (!t.IsUndefined()) {
      double v = t.IsNumber() ? t.As<Napi::Number>().DoubleValue() : -1;
      if (!(v >= 1 && v <= 1024 && v == double(int(v))))
        throw engine_error(env, "INVALID_ARGUMENT", "measureFmaPeak: threads must be an integer from 1 to 1024");
      threads = int(v);
    }
    if (!ms.IsUndefined()) {
      double v = ms.IsNumber() ? ms.As<Napi::Number>().DoubleValue() : -1;
      // At least 5 ms: one warm-up and four measured windows of 1 ms each.
      if (!(v >= 5 && v <= 60000))
        throw engine_error(env, "INVALID_ARGUMENT", "measureFmaPeak: milliseconds must be from 5 to 60000");
      milliseconds = v;
    }
    if (!i.IsUndefined()) {
      std::string name = i.IsString() ? i.As<Napi::String>().Utf8Value() : "";
      if (name == "avx2") isa = probe::ProbeIsa::Avx2;
      else if (name == "avx512" && probe::probe_has_avx512()) isa = probe::ProbeIsa::Avx512;
      else if (name != "auto")
        throw engine_error(env, "INVALID_ARGUMENT",
                           "measureFmaPeak: isa must be 'auto', 'avx2' or 'avx512' (where the CPU has AVX-512F)");
    }
  }
  probe::FmaPeak peak;
  try {
    peak = probe::measure_fma_peak(threads, milliseconds, isa);
  } catch (const std::exception& e) {  // std::thread could not start a thread
    throw engine_error(env, "INTERNAL", std::string("measureFmaPeak: ") + e.what());
  }
  auto o = Napi::Object::New(env);
  o.Set("isa", peak.isa);
  o.Set("gflopsPerThread", peak.gflops_per_thread);
  o.Set("gflopsTotal", peak.gflops_total);
  o.Set("threads", peak.threads);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSession", SessionWrap::Define(env));
  exports.Set("registeredOps", Napi::Function::New(env, RegisteredOps));
  exports.Set("cpuFeatures", Napi::Function::New(env, CpuFeatures));
  exports.Set("measureFmaPeak", Napi::Function::New(env, MeasureFmaPeak));
  return exports;
}

}  // namespace

NODE_API_MODULE(mindlet_native, Init)
