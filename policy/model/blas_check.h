// Which BLAS torch's matmuls run on. Debian's libtorch calls the system libblas.so.3; with
// only the reference BLAS installed a 1024x1024 fp32 matmul runs ~15x slower than with
// libopenblas0-openmp. No torch in this header.
#pragma once

#include <string>

namespace steptree {

// Path of the libblas.so.3 mapped into this process ("" when none is mapped yet).
std::string LoadedBlasPath();

// True when the mapped BLAS is the slow reference implementation.
bool RunningOnReferenceBlas();

// Prints a loud multi-line warning to stderr when RunningOnReferenceBlas(); once per process.
void WarnIfReferenceBlas();

// Sets torch's intra-op threads (0 = all cores, or $OMP_NUM_THREADS when set) and returns
// the count in effect. A count above the machine's cores is capped at the cores, with a
// note on stderr; a negative one is a UsageError (exit 2).
int ConfigureTorchThreads(int threads);

}  // namespace steptree
