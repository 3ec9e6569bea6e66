// Tree provenance (app/provenance.h).
#include "app/provenance.h"

#include "app/version.h"
#include "policy/text/prompt.h"

namespace steptree::app {

std::function<nlohmann::ordered_json(const Problem&)> TreeProvenance(const std::string& model_dir,
                                                                      const ModelDigests& digests,
                                                                      const Policy& policy) {
  nlohmann::ordered_json run;
  run["steptree_version"] = VersionLine();
  nlohmann::ordered_json files = nlohmann::ordered_json::object();
  for (const auto& [name, digest] : digests.files) files[name] = digest;
  run["model"] = {{"path", model_dir}, {"digest", digests.folder}, {"files", std::move(files)}};
  run["tool"] = policy.calculator() ? "calculator" : "none";
  run["prompt_format"] = policy.prompt().name();
  run["step_delimiter"] = policy.prompt().step_delimiter();
  return [run, &policy](const Problem& problem) {
    nlohmann::ordered_json provenance = run;
    const PromptFormat& prompt = policy.prompt();
    provenance["prompt"] = prompt.PromptText(problem.question);
    const std::vector<ChatMessage> messages = prompt.PromptMessages(problem.question);
    if (!messages.empty()) {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const ChatMessage& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
      provenance["messages"] = std::move(list);
    }
    return provenance;
  };
}

}  // namespace steptree::app
