// The libFuzzer entry of one fuzz target; CMake (STEPTREE_FUZZ=ON) compiles this file once
// per target with STEPTREE_FUZZ_FUNCTION naming its Fuzz<Name> function (fuzz/fuzz_targets.h).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return steptree::fuzz::STEPTREE_FUZZ_FUNCTION(data, size);
}
