// Fuzz target: safetensors files, header and offsets (policy/model/format/safetensors_header.h).
#include <stdexcept>

#include "core/input_error.h"
#include "fuzz/fuzz_targets.h"
#include "policy/model/format/safetensors_header.h"

namespace steptree::fuzz {

int FuzzSafetensors(const uint8_t* data, size_t size) {
  try {
    const SafetensorsHeader header = ParseSafetensorsHeader("model.safetensors", data, size);
    for (const SafetensorsEntry& entry : header.tensors) {
      // Every accepted tensor lies inside the file: touch its first and last byte.
      if (entry.nbytes == 0) continue;
      if (header.data_offset + entry.begin + entry.nbytes > size) throw std::logic_error("a tensor past the file");
      volatile uint8_t first = data[header.data_offset + entry.begin];
      volatile uint8_t last = data[header.data_offset + entry.begin + entry.nbytes - 1];
      (void)first;
      (void)last;
    }
  } catch (const InputError&) {
  }
  return 0;
}

}  // namespace steptree::fuzz
