// Fuzz target: budget sweep configs, JSON and YAML (sweep/sweep_spec.h), expanded into runs.
#include <string>

#include "core/input_error.h"
#include "fuzz/fuzz_targets.h"
#include "sweep/sweep_spec.h"

namespace steptree::fuzz {

int FuzzSweepConfig(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string path = data[0] % 2 == 0 ? "sweep.json" : "sweep.yaml";
  try {
    const SweepSpec spec = ParseSweepSpec(text, path);
    ExpandSweep(spec, path);
    SweepSpecToJson(spec).dump();
  } catch (const InputError&) {
  } catch (const UsageError&) {
  }
  return 0;
}

}  // namespace steptree::fuzz
