// The engine's graph: values (inputs, constants, intermediates) and nodes in topological order.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "attrs.h"
#include "tensor.h"

namespace mindlet {

// Constant bytes: either borrowed from the JS model buffer (kept alive by the addon) or owned (folded, packed).
struct ConstTensor {
  DType dtype = DType::F32;
  Shape shape;
  const void* data = nullptr;
  std::vector<uint8_t, std::allocator<uint8_t>> owned;  // non-empty when the engine made the bytes
  int borrowed_ref = -1;  // index of the addon's reference pinning the borrowed bytes (-1: not borrowed)
  // Borrowed bytes not aligned to the element size (protobuf puts raw_data anywhere). Copied on first use, so a
  // weight that a kernel packs never needs a second full copy alive at once.
  bool misaligned = false;
  const void* aligned() {
    if (misaligned) {
      const uint8_t* src = static_cast<const uint8_t*>(data);
      owned.assign(src, src + bytes());
      owned.resize(bytes() + 64);
      data = owned.data();
      misaligned = false;
    }
    return data;
  }
  int64_t numel() const { return shape_numel(shape); }
  size_t bytes() const { return size_t(numel()) * dtype_size(dtype); }
};
std::shared_ptr<ConstTensor> make_owned_tensor(DType dtype, const Shape& shape);

struct ValueInfo {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;  // declared shape (-1 dynamic); empty + rank_known=false when unknown
  bool rank_known = false;
  std::shared_ptr<ConstTensor> constant;  // set for weights and constants
  bool is_input = false;
  bool released = false;  // a constant whose bytes were freed after every reader packed it (dtype/shape kept)
};

struct Node {
  std::string name;   // MindSpore's node name (for errors)
  std::string op;     // primitive name
  std::vector<int> inputs;
  std::vector<int> outputs;
  Attrs attrs;
  bool removed = false;  // dropped by a fusion pass
};

struct Graph {
  std::vector<ValueInfo> values;
  std::vector<Node> nodes;
  std::vector<int> inputs;
  std::vector<int> outputs;
  int add_value(ValueInfo v) {
    values.push_back(std::move(v));
    return int(values.size()) - 1;
  }
  // Number of nodes that read each value (graph outputs count as a reader).
  std::vector<int> use_counts() const;
};

}  // namespace mindlet
