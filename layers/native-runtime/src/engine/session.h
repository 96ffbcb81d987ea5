// A loaded model ready to run: graph rewritten (fusion, constant folding), kernels created (weights packed),
// and execution plans cached per input shape. run() may be called from several threads at once.
#pragma once
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph.h"
#include "kernel.h"
#include "sync.h"
#include "thread_pool.h"

namespace mindlet {

struct SessionOptions {
  int threads = 1;
  int plan_cache_size = 4;
  bool profile = false;  // time every kernel call, summed per op (for `npm run bench -- --profile`)
};

struct InputTensor {
  DType dtype;
  Shape shape;
  const void* data;
  size_t bytes;
};

// An output's bytes, malloc'ed so the addon can hand them to JS without a copy.
struct OutputTensor {
  DType dtype;
  Shape shape;
  void* data = nullptr;  // owned; release with std::free
  size_t bytes = 0;
};

struct Plan;

class Session {
 public:
  Session(Graph graph, SessionOptions options);
  ~Session();
  std::vector<OutputTensor> run(const std::vector<InputTensor>& inputs);
  const Graph& graph() const { return graph_; }
  int threads() const { return pool_.size(); }
  // Counts for tests and `inspect`: nodes left after fusion and folding, and how many of each fusion applied.
  struct Stats {
    int nodes = 0;
    int folded = 0;
    int fused_batchnorm = 0;
    int fused_bias = 0;
    int fused_scale = 0;
    int fused_activation = 0;
    int fused_residual = 0;
    int plans = 0;
    size_t released_bytes = 0;  // constant bytes freed after packing
  };
  // Borrowed references (ConstTensor::borrowed_ref) the session no longer needs; the addon unpins them.
  std::vector<int> unpinned_refs() const { return unpinned_; }
  Stats stats() const;
  // Per op: total milliseconds and calls since load (empty unless options.profile).
  std::vector<std::pair<std::string, std::pair<double, int64_t>>> op_profile() const;

 private:
  std::shared_ptr<Plan> plan_for(const std::vector<InputTensor>& inputs);
  std::shared_ptr<Plan> make_plan(const std::vector<Shape>& shapes);
  void fold_constants();
  void fuse();
  void release(int value);

  Graph graph_;
  SessionOptions options_;
  ThreadPool pool_;
  mutable Mutex run_mu_;  // one inference at a time uses the pool; concurrent runs queue here
  std::vector<std::unique_ptr<Kernel>> kernels_;  // by node index; null for removed nodes
  Mutex plans_mu_;
  std::list<std::shared_ptr<Plan>> plans_;  // most recently used first
  Stats stats_;
  std::vector<int> unpinned_;
  std::map<std::string, std::pair<double, int64_t>> op_ms_;  // guarded by run_mu_
};

// Ops the planner handles itself (no kernel): their outputs are known from shapes alone.
bool is_planner_op(const std::string& op);

}  // namespace mindlet
