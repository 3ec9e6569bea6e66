#include "core/step.h"

#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace steptree {

const char* StepEndName(StepEnd end) {
  switch (end) {
    case StepEnd::kStep: return "step";
    case StepEnd::kFinal: return "final";
    case StepEnd::kCut: return "cut";
    case StepEnd::kContext: return "context";
  }
  return "unknown";
}

std::optional<StepEnd> StepEndFromName(const std::string& name) {
  for (StepEnd end : {StepEnd::kStep, StepEnd::kFinal, StepEnd::kCut, StepEnd::kContext}) {
    if (name == StepEndName(end)) return end;
  }
  return std::nullopt;
}

bool operator==(const StepSampling& a, const StepSampling& b) {
  return a.temperature == b.temperature && a.top_k == b.top_k && a.top_p == b.top_p &&
         a.max_step_tokens == b.max_step_tokens && a.stop == b.stop && a.max_new_tokens == b.max_new_tokens;
}

double StepCandidate::MeanTokenProbability() const {
  const long sampled = static_cast<long>(token_ids.size()) - tool_tokens;
  if (sampled <= 0) return 0.0;
  return std::exp(logprob_sum / static_cast<double>(sampled));
}

Budget& Budget::operator+=(const Budget& other) {
  generated_tokens += other.generated_tokens;
  prefill_tokens += other.prefill_tokens;
  cached_tokens += other.cached_tokens;
  tool_tokens += other.tool_tokens;
  forward_calls += other.forward_calls;
  nodes += other.nodes;
  return *this;
}

nlohmann::ordered_json BudgetToJson(const Budget& budget) {
  nlohmann::ordered_json json;
  json["generated_tokens"] = budget.generated_tokens;
  json["prefill_tokens"] = budget.prefill_tokens;
  json["cached_tokens"] = budget.cached_tokens;
  if (budget.tool_tokens > 0) json["tool_tokens"] = budget.tool_tokens;  // absent: no tool ran
  json["forward_calls"] = budget.forward_calls;
  json["nodes"] = budget.nodes;
  return json;
}

Budget BudgetFromJson(const nlohmann::json& json) {
  if (!json.is_object()) throw std::invalid_argument("\"budget\": expected an object");
  auto read = [&json](const char* key, long* field) {
    const auto it = json.find(key);
    if (it == json.end()) return;
    if (!it->is_number_integer() || it->get<long long>() < 0) {
      throw std::invalid_argument(std::string("\"budget\" key \"") + key + "\": expected a non-negative integer");
    }
    *field = it->get<long>();
  };
  Budget budget;
  read("generated_tokens", &budget.generated_tokens);
  read("prefill_tokens", &budget.prefill_tokens);
  read("cached_tokens", &budget.cached_tokens);
  read("tool_tokens", &budget.tool_tokens);
  read("forward_calls", &budget.forward_calls);
  read("nodes", &budget.nodes);
  return budget;
}

}  // namespace steptree
