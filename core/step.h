// The types every part that grows or scores reasoning steps shares: how a step ended, how
// it is sampled, a sampled step (a candidate), and the model work spent. mcts/ stores
// them in tree nodes, search/ asks for them through the backend interface
// (search/backend.h), and the generation engine (policy/engine/) produces them. No torch.
//
// A step is the token ids a policy generated from a state (question + steps so far), up to
// and including its delimiter or end-of-solution token. Invariants of a StepCandidate:
//   token_ids is non-empty unless end == kContext (the state had no room left);
//   tool_tokens <= token_ids.size(); the tool-written ids were fed, not sampled, so
//   logprob_sum sums log p(token) at temperature 1 over the sampled ids only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>  // the full header only in step.cc: nearly every unit includes this one

namespace steptree {

// How a sampled step ended.
enum class StepEnd {
  kStep,     // the step delimiter: the solution goes on
  kFinal,    // end of solution (EOS): this step holds the final answer
  kCut,      // the per-step token limit: the step is unfinished (invalid)
  kContext,  // the model's context is full (invalid)
};
// "step", "final", "cut", "context": the names trees use (mcts/tree_json.h).
const char* StepEndName(StepEnd end);
// The StepEnd whose StepEndName is `name`; nullopt for any other text.
std::optional<StepEnd> StepEndFromName(const std::string& name);

struct StepSampling {
  float temperature = 0.f;   // 0 = greedy (argmax); otherwise logits / temperature
  int top_k = 0;             // keep the k most likely tokens; 0 = off
  float top_p = 1.f;         // nucleus: smallest set with mass >= top_p; 1 = off
  int max_step_tokens = 96;  // tokens per step before it is cut (kCut); tool tokens count
  // Texts that end a step (kStep) besides the policy's step delimiter, wherever they appear
  // in the step's decoded text (a stop may span tokens); the step's text stops before it.
  std::vector<std::string> stop;
  // Search only (search/terminal.h): a solution whose steps hold this many tokens is cut
  // (0 = off). The step decoder does not read it.
  int max_new_tokens = 0;
};
bool operator==(const StepSampling& a, const StepSampling& b);

struct StepCandidate {
  std::string text;            // the step without its delimiter / end token
  std::vector<int> token_ids;  // every generated id, including the final delimiter / EOS
  double logprob_sum = 0;      // sum of log p(token) at temperature 1 over the sampled ids
  StepEnd end = StepEnd::kStep;
  // V(state + this step) from the value head, read from the hidden state that sampled the
  // step's last token (the same forward pass); 0 when the policy has no trained head.
  float value = 0.f;
  // Ids among token_ids that the calculator tool wrote (policy/engine/step_generator.h):
  // fed to the model, never sampled, so they have no log-probability.
  int tool_tokens = 0;
  int tool_calls = 0;  // calculator calls executed in this step
  // exp(logprob_sum / sampled tokens), sampled = token_ids.size() - tool_tokens: AlphaMath's
  // prior before normalisation.
  double MeanTokenProbability() const;
};

// Model work done on behalf of one problem (or one generation call).
struct Budget {
  long generated_tokens = 0;  // tokens sampled
  long prefill_tokens = 0;    // prompt tokens run through the model before decoding
  long cached_tokens = 0;     // prompt tokens whose keys and values a prefix cache served
  long tool_tokens = 0;       // tokens the calculator tool wrote (fed, not sampled)
  long forward_calls = 0;     // batched model invocations
  long nodes = 0;             // tree nodes created (search fills this, the engine does not)
  Budget& operator+=(const Budget& other);
};

// {"generated_tokens", "prefill_tokens", "cached_tokens", "tool_tokens" (only when > 0),
//  "forward_calls", "nodes"}, in this order: the "budget" object of a tree record.
nlohmann::ordered_json BudgetToJson(const Budget& budget);
// The Budget BudgetToJson wrote; an absent key reads 0. Throws std::invalid_argument naming
// the key when `json` is not an object or a key holds anything but a non-negative integer.
Budget BudgetFromJson(const nlohmann::json& json);

}  // namespace steptree
