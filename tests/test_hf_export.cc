// A chat model's search, exported: a tiny random Qwen2 directory with a ChatML template is
// searched, and its trees' provenance (search/record.h) lays out every export format as
// Hugging Face TRL documents it (export/records.h): conversational sft, the rendered prompt
// in prm and pairs, steps joined by the model's delimiter.
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/export_fixtures.h"
#include "tests/hf_fixtures.h"
#include "tests/test_util.h"

// c10 (torch) defines its own CHECK macro; doctest's must win, so doctest comes last.
#undef CHECK
#include "tests/cli_fixtures.h"

using namespace steptree;
using namespace steptree::test::hf;
using test::ReadFile;
using test::Steptree;

TEST_SUITE("hf") {

TEST_CASE("hf: search on a chat model exports TRL's records in its own layout" * doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  TinySpec spec;
  spec.architecture = "Qwen2ForCausalLM";
  spec.tied = true;
  const std::string model = WriteTinyModelDir(dir.path() + "/q", spec, "qwen", 21);  // a ChatML template
  const std::string question = "Calculate 2*3+4.";
  const std::string problems =
      dir.Write("problems.jsonl", "{\"id\": \"p1\", \"question\": \"" + question + "\", \"answer\": \"10\"}\n");
  const std::string searched = dir.path() + "/searched.jsonl";
  const auto search = test::Run(Steptree("search --model " + model + " --data " + problems +
                                         " --mode mcts --iterations 4 --max-depth 2 --system-prompt 'Be brief.'"
                                         " --allow-untrained-value --threads 1 -o " + searched));
  REQUIRE_MESSAGE(search.exit_code == 0, search.output);

  // The tree says how its model read the text: the template's rendering of its messages.
  nlohmann::ordered_json record = nlohmann::ordered_json::parse(ReadFile(searched));
  const nlohmann::ordered_json& provenance = record["provenance"];
  const std::string rendered = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n" + question +
                               "<|im_end|>\n<|im_start|>assistant\n";
  CHECK(provenance["prompt_format"] == "template");
  CHECK(provenance["prompt"] == rendered);
  CHECK(provenance["step_delimiter"] == "\n\n");
  CHECK(provenance["tool"] == "none");
  CHECK(provenance["messages"] == nlohmann::ordered_json::parse(
                                      R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Calculate 2*3+4."}])"));
  CHECK(provenance["model"]["digest"] == record["model_digest"]);
  CHECK(provenance["model"]["files"].contains("model.safetensors"));
  CHECK(provenance["model"]["files"].contains("config.json"));
  CHECK(provenance["steptree_version"].get<std::string>().rfind("steptree ", 0) == 0);

  // The calculator runs on a Hugging Face model too (its trigger is read in the step's text,
  // tests/test_tool_calls.cc), and the trees say so.
  const std::string with_tool = dir.path() + "/tool.jsonl";
  const auto tool = test::Run(Steptree("search --model " + model + " --data " + problems +
                                       " --mode greedy --max-depth 2 --tool calculator --threads 1 -o " + with_tool));
  REQUIRE_MESSAGE(tool.exit_code == 0, tool.output);
  const nlohmann::ordered_json tool_record = nlohmann::ordered_json::parse(ReadFile(with_tool));
  CHECK(tool_record["provenance"]["tool"] == "calculator");
  CHECK(tool_record["model_digest"].get<std::string>().find("+tool=calculator") != std::string::npos);

  // A random model never finishes a solution, so the searched nodes are swapped for the
  // hand-labelled tree of tests/export_fixtures.h (same question): what export reads
  // from the search is the provenance.
  record["tree"] = test::FixtureTreeNodes();
  const std::string trees = dir.Write("trees.jsonl", record.dump() + "\n");
  const auto exported = [&](const std::string& flags) {
    const std::string out = dir.path() + "/export.jsonl";
    const auto r = test::Run(Steptree("export --trees " + trees + " " + flags + " -o " + out));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    std::vector<nlohmann::json> records;
    std::istringstream lines(ReadFile(out));
    for (std::string line; std::getline(lines, line);) records.push_back(nlohmann::json::parse(line));
    REQUIRE_FALSE(records.empty());
    return records;
  };
  const auto is_message_list = [](const nlohmann::json& list) {
    if (!list.is_array() || list.empty()) return false;
    for (const nlohmann::json& m : list) {
      if (!m.is_object() || !m["role"].is_string() || !m["content"].is_string()) return false;
    }
    return true;
  };

  // SFTTrainer, conversational language modelling: "messages", the model's conversation first.
  for (const nlohmann::json& r : exported("--format sft")) {
    REQUIRE(is_message_list(r["messages"]));
    REQUIRE(r["messages"].size() == 3);
    CHECK(r["messages"][0] == provenance["messages"][0]);
    CHECK(r["messages"][1] == provenance["messages"][1]);
    CHECK(r["messages"][2]["role"] == "assistant");
    std::string joined;
    for (const auto& step : r["steps"]) joined += (joined.empty() ? "" : "\n\n") + step.get<std::string>();
    CHECK(r["messages"][2]["content"] == joined);
  }
  // SFTTrainer, conversational prompt-completion: both message lists.
  for (const nlohmann::json& r : exported("--format sft --sft-style completion")) {
    CHECK(r["prompt"] == provenance["messages"]);
    REQUIRE(is_message_list(r["completion"]));
    CHECK(r["completion"][0]["content"].get<std::string>().find("\n\n") != std::string::npos);
  }
  // PRMTrainer, stepwise supervision: the rendered prompt, the steps, true/false labels.
  for (const nlohmann::json& r : exported("--format prm --labels soft-q")) {
    CHECK(r["prompt"] == rendered);
    REQUIRE(r["completions"].is_array());
    REQUIRE(r["labels"].size() == r["completions"].size());
    for (const auto& label : r["labels"]) CHECK(label.is_boolean());
    CHECK(r["scores"].size() == r["labels"].size());
  }
  // DPOTrainer, standard preference: the rendered prompt and the prefix steps, delimited.
  for (const nlohmann::json& r : exported("--format pairs")) {
    std::string prompt = rendered;
    for (const auto& step : r["prefix"]) prompt += step.get<std::string>() + "\n\n";
    CHECK(r["prompt"] == prompt);
    CHECK(r["chosen"].is_string());
    CHECK(r["rejected"].is_string());
  }
}

}  // TEST_SUITE("hf")
