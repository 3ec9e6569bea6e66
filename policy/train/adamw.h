// AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"), our own so its
// state is plain named tensors that checkpoint to safetensors and resume exactly.
//
//   m = b1 m + (1 - b1) g          v = b2 v + (1 - b2) g^2
//   p -= lr * ( (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) + wd * p )
//
// Weight decay applies to tensors of rank >= 2 (linear weights, embedding tables), not to
// LayerNorm gains or biases. Torch translation units only.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace steptree {

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.1;
};

class AdamW {
 public:
  AdamW(std::vector<std::pair<std::string, torch::Tensor>> parameters, AdamWOptions options);
  // One update with learning rate `lr` from the parameters' .grad().
  void Step(double lr);
  void ZeroGrad();
  long steps_taken() const { return step_; }

  // "exp_avg/NAME", "exp_avg_sq/NAME" tensors plus the step count in the metadata.
  std::map<std::string, torch::Tensor> StateTensors() const;
  // Restores StateTensors() output; throws std::runtime_error on a mismatch.
  void LoadState(const std::map<std::string, torch::Tensor>& tensors, long step);

 private:
  struct Slot {
    std::string name;
    torch::Tensor param;
    torch::Tensor exp_avg;
    torch::Tensor exp_avg_sq;
    bool decay;
  };
  std::vector<Slot> slots_;
  AdamWOptions options_;
  long step_ = 0;
};

// Clips the global L2 norm of all gradients to max_norm; returns the norm before clipping.
double ClipGradNorm(const std::vector<torch::Tensor>& parameters, double max_norm);

}  // namespace steptree
