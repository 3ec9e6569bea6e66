#include "policy/train/adamw.h"

#include <cmath>
#include <stdexcept>

namespace steptree {

AdamW::AdamW(std::vector<std::pair<std::string, torch::Tensor>> parameters, AdamWOptions options)
    : options_(options) {
  for (auto& [name, param] : parameters) {
    slots_.push_back({name, param, torch::zeros_like(param), torch::zeros_like(param),
                      param.dim() >= 2});
  }
}

void AdamW::ZeroGrad() {
  for (Slot& slot : slots_) {
    if (slot.param.grad().defined()) slot.param.mutable_grad().zero_();
  }
}

void AdamW::Step(double lr) {
  torch::NoGradGuard no_grad;
  ++step_;
  const double correction1 = 1.0 - std::pow(options_.beta1, static_cast<double>(step_));
  const double correction2 = 1.0 - std::pow(options_.beta2, static_cast<double>(step_));
  const double step_size = lr / correction1;
  const double root_correction2 = std::sqrt(correction2);
  for (Slot& slot : slots_) {
    const torch::Tensor& grad = slot.param.grad();
    if (!grad.defined()) continue;
    if (slot.decay && options_.weight_decay > 0) slot.param.mul_(1.0 - lr * options_.weight_decay);
    slot.exp_avg.mul_(options_.beta1).add_(grad, 1.0 - options_.beta1);
    slot.exp_avg_sq.mul_(options_.beta2).addcmul_(grad, grad, 1.0 - options_.beta2);
    const torch::Tensor denominator =
        (slot.exp_avg_sq.sqrt() / root_correction2).add_(options_.eps);
    slot.param.addcdiv_(slot.exp_avg, denominator, -step_size);
  }
}

std::map<std::string, torch::Tensor> AdamW::StateTensors() const {
  std::map<std::string, torch::Tensor> tensors;
  for (const Slot& slot : slots_) {
    tensors["exp_avg/" + slot.name] = slot.exp_avg;
    tensors["exp_avg_sq/" + slot.name] = slot.exp_avg_sq;
  }
  return tensors;
}

void AdamW::LoadState(const std::map<std::string, torch::Tensor>& tensors, long step) {
  torch::NoGradGuard no_grad;
  if (tensors.size() != 2 * slots_.size()) {
    throw std::runtime_error("optimizer state has " + std::to_string(tensors.size()) +
                             " tensors, expected " + std::to_string(2 * slots_.size()));
  }
  for (Slot& slot : slots_) {
    for (auto [prefix, target] : {std::pair{"exp_avg/", &slot.exp_avg},
                                  std::pair{"exp_avg_sq/", &slot.exp_avg_sq}}) {
      auto it = tensors.find(prefix + slot.name);
      if (it == tensors.end() || !it->second.sizes().equals(target->sizes()) ||
          it->second.scalar_type() != target->scalar_type()) {
        throw std::runtime_error("optimizer state lacks a matching " + std::string(prefix) + slot.name);
      }
      target->copy_(it->second);
    }
  }
  step_ = step;
}

double ClipGradNorm(const std::vector<torch::Tensor>& parameters, double max_norm) {
  torch::NoGradGuard no_grad;
  double total = 0;
  for (const torch::Tensor& p : parameters) {
    if (p.grad().defined()) total += p.grad().pow(2).sum().item<double>();
  }
  const double norm = std::sqrt(total);
  if (norm > max_norm && norm > 0) {
    const double scale = max_norm / (norm + 1e-6);
    for (const torch::Tensor& p : parameters) {
      if (p.grad().defined()) p.grad().mul_(scale);
    }
  }
  return norm;
}

}  // namespace steptree
