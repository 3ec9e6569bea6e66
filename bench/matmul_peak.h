// The machine's practical matrix-product limit, measured the way the model computes: one
// large fp32 GEMM C = A B (A, B, C all n x n) through torch::mm, i.e. the BLAS torch calls
// (Debian's libtorch: the system libblas.so.3, OpenBLAS when installed), on the intra-op
// thread count in effect when called. The bf16 variant multiplies bfloat16 matrices (fp32
// accumulation) through the same torch::mm, i.e. oneDNN where LibTorch has it (AMX or
// AVX512-BF16 on recent Xeons), the limit of a Hugging Face model computing in bf16.
//
//   FLOPs of one product = 2 n^3 (n^3 multiply-adds)
//   GFLOP/s = 2 n^3 / (best seconds over reps) / 1e9
//
// Best of reps, after one untimed warm-up product (page faults, BLAS thread start-up).
// No torch in this header.
#pragma once

namespace steptree::bench {

struct MatmulPeak {
  int size = 0;            // n
  int reps = 0;            // timed products
  int threads = 0;         // torch intra-op threads during the measurement
  double best_seconds = 0;
  double gflops = 0;
};

enum class MatmulDType { kF32, kBF16 };

// size >= 1, reps >= 1.
MatmulPeak MeasureMatmulPeak(int size, int reps, MatmulDType dtype = MatmulDType::kF32);

}  // namespace steptree::bench
