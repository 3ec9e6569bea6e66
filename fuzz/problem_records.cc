// Fuzz target: JSONL problem files of every format (datasets/loaders.h).
#include <string>

#include "core/input_error.h"
#include "datasets/loaders.h"
#include "fuzz/fuzz_targets.h"

namespace steptree::fuzz {

int FuzzProblemRecords(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kFormats[] = {"auto", "steptree", "gsm8k", "math", "generic"};
  LoaderOptions options;
  options.format = kFormats[data[0] % 5];
  if (options.format == "generic") {
    options.question_field = "q";
    options.answer_field = "a";
  }
  const std::string path = WriteScratchFile("problems.jsonl", data + 1, size - 1);
  try {
    LoadedDataset dataset = LoadProblems(path, options);
    for (const Problem& problem : dataset.problems) {
      if (problem.id.empty()) throw std::logic_error("a problem without an id");
    }
  } catch (const InputError&) {
  } catch (const UsageError&) {
  }
  return 0;
}

}  // namespace steptree::fuzz
