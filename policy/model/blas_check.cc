#include "policy/model/blas_check.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include <torch/torch.h>

#include "core/input_error.h"

namespace steptree {

std::string LoadedBlasPath() {
  // Make sure torch has pulled its BLAS in: one tiny matmul.
  (void)torch::mm(torch::ones({2, 2}), torch::ones({2, 2}));
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (path.find("libblas.so") != std::string::npos ||
        path.find("libopenblas") != std::string::npos) {
      return path;
    }
  }
  return "";
}

bool RunningOnReferenceBlas() {
  const std::string path = LoadedBlasPath();
  // Debian's alternatives: reference BLAS lives in .../blas/, OpenBLAS in .../openblas-*/.
  return !path.empty() && path.find("openblas") == std::string::npos &&
         path.find("blis") == std::string::npos && path.find("mkl") == std::string::npos;
}

void WarnIfReferenceBlas() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!RunningOnReferenceBlas()) return;
    std::cerr << "\n"
                 "!!! steptree WARNING: torch's matmuls run on the REFERENCE BLAS ("
              << LoadedBlasPath()
              << ").\n"
                 "!!! Everything will be ~15x slower. Install the optimised one:\n"
                 "!!!   sudo apt-get install libopenblas0-openmp   (or run scripts/setup.sh)\n\n";
  });
}

int ConfigureTorchThreads(int threads) {
  if (threads < 0) throw UsageError("--threads must be >= 0 (0 = all cores), got " + std::to_string(threads));
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads > cores) {
    // More threads than cores never helps (results are the same at any count); a thousand
    // would only cost a thousand thread pools.
    std::cerr << "note: --threads " << threads << " is more than this machine's " << cores << " cores; using "
              << cores << "\n";
    threads = cores;
  }
  if (threads == 0) {
    // "All cores", unless the environment asks for fewer (CI runs tests side by side).
    threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (const char* env = std::getenv("OMP_NUM_THREADS")) {
      const int requested = std::atoi(env);
      if (requested > 0) threads = requested;
    }
  }
  torch::set_num_threads(threads);
  return torch::get_num_threads();
}

}  // namespace steptree
