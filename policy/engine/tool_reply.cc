// The calculator's reply found in text (policy/engine/tool_reply.h).
#include "policy/engine/tool_reply.h"

#include <string>

#include "datasets/calculator.h"

namespace steptree {

std::optional<ToolReply> ToolReplyAfter(const Tokenizer& tokenizer, const std::vector<int>& step_ids) {
  if (step_ids.empty() || tokenizer.Decode({step_ids.back()}).find('=') == std::string::npos) return std::nullopt;
  const std::string text = tokenizer.Decode(step_ids);
  const std::optional<size_t> trigger = OpenToolCallTrigger(text);
  if (!trigger) return std::nullopt;
  std::string reply = CalculatorReply(ToolCallExpression(text, *trigger));
  ToolReply out;
  if (*trigger + 1 < text.size()) {
    const std::vector<int> kept(step_ids.begin(), step_ids.end() - 1);
    const std::string before = tokenizer.Decode(kept);
    if (before.size() <= *trigger && text.compare(0, before.size(), before) == 0) {
      reply = text.substr(before.size(), *trigger + 1 - before.size()) + reply;
      out.take_back = true;
    }
  }
  out.forced = tokenizer.EncodeContinuation(reply);
  return out;
}

}  // namespace steptree
