// One large fp32 or bf16 GEMM through torch (bench/matmul_peak.h).
#include "bench/matmul_peak.h"

#include <chrono>
#include <stdexcept>

#include <torch/torch.h>

namespace steptree::bench {

MatmulPeak MeasureMatmulPeak(int size, int reps, MatmulDType dtype) {
  if (size < 1 || reps < 1) throw std::invalid_argument("MeasureMatmulPeak: size and reps must be >= 1");
  torch::NoGradGuard no_grad;
  // Values do not matter to the BLAS; uniform [0, 1) keeps them away from denormals.
  const torch::ScalarType type = dtype == MatmulDType::kBF16 ? torch::kBFloat16 : torch::kFloat32;
  const torch::Tensor a = torch::rand({size, size}).to(type);
  const torch::Tensor b = torch::rand({size, size}).to(type);
  torch::Tensor c = torch::empty({size, size}, torch::TensorOptions().dtype(type));
  torch::mm_out(c, a, b);  // warm-up
  MatmulPeak peak;
  peak.size = size;
  peak.reps = reps;
  peak.threads = torch::get_num_threads();
  peak.best_seconds = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto start = std::chrono::steady_clock::now();
    torch::mm_out(c, a, b);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (seconds < peak.best_seconds) peak.best_seconds = seconds;
  }
  const double n = size;
  peak.gflops = 2.0 * n * n * n / peak.best_seconds / 1e9;
  return peak;
}

}  // namespace steptree::bench
