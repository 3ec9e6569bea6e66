// Search as the model sees it (`steptree bench`): each search mode runs over the same
// problems through `steptree search`'s own path (search/run_to_file.h: RunSearch's workers, one
// torch thread each, and the trees file written as problems finish), with the backend
// wrapped in a CountingBackend (bench/counting_backend.h) that records every model call.
//
//   tokens/s   = generated tokens / wall seconds        (wall = the whole RunSearchToFile call)
//   nodes/s    = tree nodes created / wall seconds
//   problems/s = problems / wall seconds
//   outside-model fraction = 1 - (seconds inside backend calls, summed over workers)
//                                / (wall seconds * workers)
//   prefill per generated  = (prompt tokens run through the model + generated tokens)
//                            / generated tokens
//     i.e. tokens the model computed per token it generated: 1.0 = nothing recomputed (the
//     issue's definition); a tree's first prefill of its question adds question/generated,
//     and every prefill of a state already run before (no prefix KV cache yet) adds more.
//
// "Inside the backend" is the model plus what the backend does around it (sampling, step
// text decoding); "outside" is tree work, serialisation of the trees file, scheduling and
// workers idle at the end of the run. No torch here.
#pragma once

#include <string>
#include <vector>

#include "bench/counting_backend.h"
#include "datasets/problem.h"
#include "search/backend.h"
#include "search/config.h"

namespace steptree::bench {

struct BenchSearchMode {
  std::string key;    // "greedy", "sbs", "mcts": the JSON key
  std::string label;  // "greedy", "SBS(3,5)", "MCTS(40)"
  SearchConfig config;
};

// greedy, SBS(3,5), MCTS(40) with gold terminal rewards (data generation: the value head
// only ranks, and no mode needs a trained one to run), every other parameter at its default.
std::vector<BenchSearchMode> BenchSearchModes(uint64_t seed);
// The mode called `key`; UsageError naming the choices otherwise.
BenchSearchMode BenchSearchModeByKey(const std::string& key, uint64_t seed);

// (prefill + generated) / generated, the "prefill per generated" above (0 without generated
// tokens).
double PrefillPerGenerated(long prefill_tokens, long generated_tokens);

struct SearchMeasurement {
  std::string key, label;
  int threads = 1;
  long problems = 0;
  double seconds = 0;        // wall time of the run
  long nodes = 0;            // tree nodes created
  double accuracy = 0;       // share of problems answered correctly (gold rewards: data mode)
  BackendCallStats calls;    // what the CountingBackend saw

  long generated_tokens() const { return calls.generating.generated_tokens; }
  long prefill_tokens() const { return calls.generating.prefill_tokens + calls.evaluating.prefill_tokens; }
  // Prompt tokens served by the prefix KV cache instead of computed.
  long cached_tokens() const { return calls.generating.cached_tokens + calls.evaluating.cached_tokens; }
  // cached / (cached + computed) prompt tokens: the share of prefill the cache saved.
  double kv_hit_rate() const;
  double tokens_s() const;
  double nodes_s() const;
  double problems_s() const;
  double prefill_per_generated() const;  // (prefill + generated) / generated
  double outside_model_fraction() const;
};

// Runs `mode` over `problems` on `threads` workers, writing its trees file under
// `scratch_dir`. Progress lines go to stderr.
SearchMeasurement MeasureSearch(const std::vector<Problem>& problems, const SearchBackend& backend,
                                const BenchSearchMode& mode, int threads, const std::string& scratch_dir);

}  // namespace steptree::bench
