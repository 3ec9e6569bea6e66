// Fuzz target: the calculator tool (datasets/calculator.h): evaluation and the scan of
// tool calls in text.
#include <stdexcept>
#include <string>

#include "datasets/calculator.h"
#include "fuzz/fuzz_targets.h"

namespace steptree::fuzz {

int FuzzCalculator(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const CalculatorResult result = EvaluateCalculator(text);
  if (result.value.has_value() == !result.error.empty()) {
    throw std::logic_error("calculator: exactly one of value and error must be set");
  }
  CalculatorReply(text);
  if (const std::optional<size_t> trigger = OpenToolCallTrigger(text)) ToolCallExpression(text, *trigger);
  for (const auto& [begin, end] : ToolWrittenSpans(text)) {
    if (begin > end || end > text.size()) throw std::logic_error("calculator: a span outside the text");
  }
  return 0;
}

}  // namespace steptree::fuzz
