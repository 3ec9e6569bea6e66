// Exporters (export/): pruning, label rules, the four formats, atomic output, and the
// `export` command, on the hand-built tree of tests/export_fixtures.h whose every label is
// known.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/input_error.h"
#include "datasets/loaders.h"
#include "export/exporter.h"
#include "tests/export_fixtures.h"
#include "tests/test_util.h"
#include "mcts/value_records.h"

using namespace steptree;
using nlohmann::json;

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<json> ReadJsonl(const std::string& path) {
  std::vector<json> records;
  std::istringstream lines(ReadAll(path));
  std::string line;
  while (std::getline(lines, line)) records.push_back(json::parse(line));
  return records;
}

// The fixture as SearchedTree, read the way export reads it.
SearchedTree FixtureTree(const test::TempDir& dir) {
  const std::string file = dir.Write("trees.jsonl", test::FixtureTreeRecord().dump() + "\n");
  TreeFileReader reader(file);
  SearchedTree tree;
  REQUIRE(reader.Next(&tree));
  return tree;
}

std::vector<std::string> Tags(const PrunedTree& pruned) {
  std::vector<std::string> tags;
  for (int i = 0; i < pruned.tree.size(); ++i) tags.push_back(pruned.tree.Tag(i));
  return tags;
}

int NodeWithSourceTag(const PrunedTree& pruned, const std::string& tag) {
  for (int i = 0; i < pruned.tree.size(); ++i) {
    if (pruned.source_tags[i] == tag) return i;
  }
  FAIL("no node from " << tag);
  return -1;
}

std::vector<json> Records(const SearchedTree& tree, const ExportOptions& options, ExportSummary* summary = nullptr) {
  ExportSummary local;
  std::vector<json> out;
  for (const auto& record : ExportTree(tree, options, summary ? summary : &local)) out.push_back(json::parse(record.dump()));
  return out;
}

}  // namespace

TEST_CASE("export reads a trees record: question, gold, difficulty, source") {
  test::TempDir dir;
  const SearchedTree tree = FixtureTree(dir);
  CHECK(tree.id == "p1");
  CHECK(tree.question == "Calculate 2*3+4.");
  CHECK(tree.gold == std::optional<std::string>("10"));
  CHECK(tree.difficulty == std::optional<int>(2));
  CHECK(tree.source == "synthetic");
  CHECK(tree.line == 1);
  CHECK(tree.tree.size() == 16);
}

TEST_CASE("export pruning drops subtrees without a valid terminal and merges identical siblings") {
  test::TempDir dir;
  const SearchedTree tree = FixtureTree(dir);
  PruneStats stats;
  const PrunedTree pruned = PruneTree(tree.tree, &stats);
  CHECK(Tags(pruned) == std::vector<std::string>{"0", "0.0", "0.0.0", "0.0.0.0", "0.0.0.1", "0.0.1", "0.0.1.0", "0.1",
                                                 "0.1.0", "0.1.0.0", "0.1.0.1"});
  CHECK(pruned.source_tags == std::vector<std::string>{"0", "0.0", "0.0.0", "0.0.0.0", "0.0.0.1", "0.0.1", "0.0.1.0",
                                                       "0.1", "0.1.0", "0.1.0.0", "0.1.0.1"});
  CHECK(stats.nodes_in == 16);
  CHECK(stats.nodes_kept == 11);
  CHECK(stats.nodes_dropped == 3);  // 0.2, its cut step 0.2.0, the unexpanded 0.3
  CHECK(stats.nodes_merged == 2);   // "5+4=9 " and its "The answer is 9"
  // "5+4=9" + "5+4=9 ": visits and value sums add; Q is the merged state's.
  const Node& merged = pruned.tree.node(8);
  CHECK(merged.step == "5+4=9");
  CHECK(merged.visits == 3);
  CHECK(merged.value_sum == doctest::Approx(-1.0));
  CHECK(merged.merged == 1);
  CHECK(merged.children.size() == 2);
  const Node& answer9 = pruned.tree.node(10);
  CHECK(answer9.visits == 2);
  CHECK(answer9.value_sum == doctest::Approx(-2.0));
  // Every leaf is a valid terminal.
  int leaves = 0;
  for (const Node& node : pruned.tree.nodes()) {
    if (!node.IsLeaf()) continue;
    CHECK(IsValidTerminal(node));
    ++leaves;
  }
  CHECK(leaves >= 2);
}

TEST_CASE("export pruning of a tree without a graded answer leaves the root alone") {
  Tree tree("q", {});
  Node step;
  step.parent = 0;
  step.step = "1+1=2";
  const int child = tree.AppendNode(step);
  Node cut;
  cut.parent = child;
  cut.step = "The ans";
  cut.terminal = true;
  cut.end = StepEnd::kCut;
  cut.correct = false;  // graded, but no answer: invalid
  tree.AppendNode(cut);
  Node ungraded;
  ungraded.parent = 0;
  ungraded.step = "The answer is 2";
  ungraded.terminal = true;
  ungraded.answer = "2";  // an answer, but no gold to grade it
  tree.AppendNode(ungraded);
  const PrunedTree pruned = PruneTree(tree);
  CHECK(pruned.tree.size() == 1);
}

TEST_CASE("export labels: hard (Math-Shepherd), soft-frac, Q targets and soft-q by min-visits") {
  test::TempDir dir;
  const SearchedTree tree = FixtureTree(dir);
  const PrunedTree pruned = PruneTree(tree.tree);
  const auto at = [&](const char* tag) { return NodeWithSourceTag(pruned, tag); };
  const TreeLabels labels(pruned.tree, 1);
  // hard: a correct terminal below.
  CHECK(labels.Hard(at("0.0")));
  CHECK(labels.Hard(at("0.0.0")));
  CHECK_FALSE(labels.Hard(at("0.0.0.1")));
  CHECK_FALSE(labels.Hard(at("0.0.1")));
  CHECK(labels.Hard(at("0.1")));      // the lucky answer below makes the wrong step "good"
  CHECK(labels.Hard(at("0.1.0")));
  CHECK_FALSE(labels.Hard(at("0.1.0.1")));
  // soft-frac: correct terminals / terminals below (merged terminals count once).
  CHECK(labels.SoftFrac(at("0.0")) == doctest::Approx(1.0 / 3));
  CHECK(labels.SoftFrac(at("0.0.0")) == doctest::Approx(0.5));
  CHECK(labels.SoftFrac(at("0.1")) == doctest::Approx(0.5));
  CHECK(labels.SoftFrac(at("0.0.0.0")) == doctest::Approx(1.0));
  CHECK(labels.SoftFrac(at("0.0.1")) == doctest::Approx(0.0));
  // Q targets: terminals +-1; others Q when visited enough.
  CHECK(labels.QTarget(at("0.0.0.0")) == std::optional<double>(1.0));
  CHECK(labels.QTarget(at("0.0.1.0")) == std::optional<double>(-1.0));
  CHECK(*labels.QTarget(at("0.0")) == doctest::Approx(1.0 / 3));
  CHECK(*labels.QTarget(at("0.1.0")) == doctest::Approx(-1.0 / 3));
  CHECK(labels.SoftQ(at("0.0.1")) == doctest::Approx(0.0));
  CHECK(labels.SoftQ(at("0.0")) == doctest::Approx(2.0 / 3));
  const TreeLabels strict(pruned.tree, 4);
  CHECK(strict.QTarget(at("0.0")).has_value());         // 6 visits
  CHECK_FALSE(strict.QTarget(at("0.0.1")).has_value());  // 3 visits: falls back to its value
  CHECK(strict.QOrValue(at("0.0.1")) == doctest::Approx(0.4));
  CHECK(strict.SoftQ(at("0.0.1")) == doctest::Approx(0.7));
  CHECK(strict.QTarget(at("0.0.0.1")) == std::optional<double>(-1.0));  // terminals need no visits
}

TEST_CASE("export sft: correct paths only, chat and completion styles, the cap keeps the most visited") {
  test::TempDir dir;
  const SearchedTree tree = FixtureTree(dir);
  ExportOptions options;
  options.format = ExportFormat::kSft;
  ExportSummary summary;
  const std::vector<json> chat = Records(tree, options, &summary);
  REQUIRE(chat.size() == 2);
  CHECK(chat[0].dump() ==
        R"({"answer":"10","difficulty":2,"id":"p1/0.0.0.0","messages":[{"content":"Calculate 2*3+4.","role":"user"},)"
        R"({"content":"2*3=6\n6+4=10\nThe answer is 10","role":"assistant"}],"question":"Calculate 2*3+4.",)"
        R"("steps":["2*3=6","6+4=10","The answer is 10"]})");
  CHECK(chat[1]["id"] == "p1/0.1.0.0");
  CHECK(chat[1]["steps"] == json({"2*3=5", "5+4=9", "The answer is 10"}));
  CHECK(summary.correct_paths == 2);
  CHECK(summary.incorrect_paths == 0);
  CHECK(summary.all.steps == 6);
  CHECK(summary.by_difficulty.at(2).records == 2);

  options.sft_style = SftStyle::kCompletion;
  options.max_correct = 1;
  const std::vector<json> completion = Records(tree, options);
  REQUIRE(completion.size() == 1);
  CHECK(completion[0]["id"] == "p1/0.0.0.0");  // 2 visits beat the lucky path's 1
  CHECK(completion[0]["prompt"] == "Q: Calculate 2*3+4.\n");
  CHECK(completion[0]["completion"] == "2*3=6\n6+4=10\nThe answer is 10");
  CHECK_FALSE(completion[0].contains("messages"));
}

TEST_CASE("export sft files load as reference solutions (what `train --sft` reads)") {
  test::TempDir dir;
  const std::string trees = dir.Write("trees.jsonl", test::FixtureTreeRecord().dump() + "\n");
  for (SftStyle style : {SftStyle::kChat, SftStyle::kCompletion}) {
    ExportOptions options;
    options.format = ExportFormat::kSft;
    options.sft_style = style;
    const std::string out = dir.path() + "/sft.jsonl";
    ExportTrees({trees}, options, out);
    const LoadedDataset data = LoadProblems(out);
    CHECK(data.format == "steptree");
    REQUIRE(data.problems.size() == 2);
    CHECK(data.problems[0].id == "p1/0.0.0.0");
    CHECK(data.problems[0].question == "Calculate 2*3+4.");
    CHECK(data.problems[0].gold == std::optional<std::string>("10"));
    CHECK(data.problems[0].reference_steps == std::vector<std::string>{"2*3=6", "6+4=10", "The answer is 10"});
  }
}

TEST_CASE("export value: Q from the tree, outcome +1/-1, readable by LoadValuePaths") {
  test::TempDir dir;
  const std::string trees = dir.Write("trees.jsonl", test::FixtureTreeRecord().dump() + "\n");
  ExportOptions options;
  options.format = ExportFormat::kValue;
  const std::string out = dir.path() + "/value.jsonl";
  const ExportSummary summary = ExportTrees({trees}, options, out);
  const std::vector<json> records = ReadJsonl(out);
  REQUIRE(records.size() == 5);  // 2 correct + 3 incorrect paths
  CHECK(summary.correct_paths == 2);
  CHECK(summary.incorrect_paths == 3);
  CHECK(records[0]["id"] == "p1/0.0.0.0");
  CHECK(records[0]["gold"] == "10");
  CHECK(records[0]["steps"][0]["step"] == "2*3=6");
  CHECK(records[0]["steps"][0]["Q"].get<double>() == doctest::Approx(1.0 / 3));
  CHECK(records[0]["steps"][2]["Q"].get<double>() == 1.0);
  CHECK(records[4]["id"] == "p1/0.1.0.1");  // the merged "The answer is 9"
  CHECK(records[4]["steps"][1]["Q"].get<double>() == doctest::Approx(-1.0 / 3));
  CHECK(records[4]["steps"][2]["Q"].get<double>() == -1.0);

  const std::vector<ValuePathRecord> loaded = LoadValuePaths(out);
  REQUIRE(loaded.size() == 5);
  CHECK(loaded[0].question == "Calculate 2*3+4.");
  CHECK(loaded[0].correct());
  CHECK_FALSE(loaded[1].correct());

  // min-visits 4: steps with 3 visits fall back to their value; a cap of 1 incorrect path
  // keeps the most visited one (0.0.1.0, 3 visits).
  options.min_visits = 4;
  options.max_incorrect = 1;
  ExportSummary strict_summary;
  const std::vector<json> strict = Records(FixtureTree(dir), options, &strict_summary);
  REQUIRE(strict.size() == 3);
  CHECK(strict[1]["id"] == "p1/0.0.1.0");
  CHECK(strict[1]["steps"][0]["Q"].get<double>() == doctest::Approx(1.0 / 3));  // "2*3=6": 6 visits
  CHECK(strict[1]["steps"][1]["Q"].get<double>() == doctest::Approx(0.4));  // "6+4=11": its value
  CHECK(strict[0]["steps"][1]["Q"].get<double>() == doctest::Approx(0.5));  // "6+4=10": its value
  // 6+4=10, 6+4=11, 2*3=5 and 5+4=9 have 3 visits each.
  CHECK(strict_summary.steps_without_q_target == 4);
}

TEST_CASE("export prm: hard, soft-q, soft-frac labels and a threshold") {
  test::TempDir dir;
  const SearchedTree tree = FixtureTree(dir);
  ExportOptions options;
  options.format = ExportFormat::kPrm;
  options.max_incorrect = 0;
  const std::vector<json> hard = Records(tree, options);
  REQUIRE(hard.size() == 2);
  CHECK(hard[0].dump() ==
        R"({"completions":["2*3=6","6+4=10","The answer is 10"],"difficulty":2,"gold":"10","id":"p1/0.0.0.0",)"
        R"("labels":[true,true,true],"prompt":"Q: Calculate 2*3+4.\n","question":"Calculate 2*3+4."})");
  CHECK(hard[1]["labels"] == json({true, true, true}));  // the lucky path: every step "good"

  options.max_incorrect = kNoPathLimit;
  options.labels = StepLabelRule::kSoftFrac;
  ExportSummary summary;
  const std::vector<json> frac = Records(tree, options, &summary);
  REQUIRE(frac.size() == 5);
  CHECK(frac[1]["id"] == "p1/0.0.0.1");
  // Soft numbers go to "scores"; "labels" stays true/false (TRL casts labels with int()).
  CHECK(frac[1]["scores"][0].get<double>() == doctest::Approx(1.0 / 3));
  CHECK(frac[1]["scores"][1].get<double>() == doctest::Approx(0.5));
  CHECK(frac[1]["scores"][2].get<double>() == 0.0);
  CHECK(frac[1]["labels"] == json({true, true, false}));
  CHECK_FALSE(hard[0].contains("scores"));
  CHECK(summary.positive_labels + summary.negative_labels == 15);

  options.labels = StepLabelRule::kSoftQ;
  const std::vector<json> soft_q = Records(tree, options);
  CHECK(soft_q[2]["id"] == "p1/0.0.1.0");
  CHECK(soft_q[2]["scores"][0].get<double>() == doctest::Approx(2.0 / 3));
  CHECK(soft_q[2]["scores"][1].get<double>() == doctest::Approx(0.0));
  for (const json& record : soft_q) {
    for (const json& label : record["labels"]) CHECK(label.is_boolean());
  }

  options.threshold = 0.5;
  const std::vector<json> cut = Records(tree, options);
  CHECK(cut[2]["labels"] == json({true, false, false}));
  CHECK(cut[3]["id"] == "p1/0.1.0.0");
  CHECK(cut[3]["labels"] == json({false, false, true}));  // Q = -1/3 -> soft-q 1/3 < 0.5
  CHECK_FALSE(cut[3].contains("scores"));
}

TEST_CASE("export pairs: good siblings over bad ones by at least the margin") {
  test::TempDir dir;
  const SearchedTree tree = FixtureTree(dir);
  ExportOptions options;
  options.format = ExportFormat::kPairs;
  const std::vector<json> pairs = Records(tree, options);
  REQUIRE(pairs.size() == 3);
  CHECK(pairs[0].dump() ==
        R"({"chosen":"6+4=10","chosen_q":0.3333333333333333,"difficulty":2,"id":"p1/0.0.0~0.0.1","prefix":["2*3=6"],)"
        R"("prompt":"Q: Calculate 2*3+4.\n2*3=6\n","question":"Calculate 2*3+4.","rejected":"6+4=11","rejected_q":-1.0})");
  CHECK(pairs[1]["chosen"] == "The answer is 10");
  CHECK(pairs[1]["rejected"] == "The answer is 11");
  CHECK(pairs[1]["prompt"] == "Q: Calculate 2*3+4.\n2*3=6\n6+4=10\n");
  CHECK(pairs[2]["id"] == "p1/0.1.0.0~0.1.0.1");
  // No pair at the root: both its children have a correct answer below.
  options.pairs.margin = 1.5;  // only the +1 / -1 answer pairs are that far apart
  CHECK(Records(tree, options).size() == 2);
  options.pairs.margin = 0.5;
  options.min_visits = 4;  // 6+4=10 and 6+4=11 lose their Q targets
  CHECK(Records(tree, options).size() == 2);
}

TEST_CASE("export writes atomically: a bad input line leaves the old output and names the line") {
  test::TempDir dir;
  const std::string good = test::FixtureTreeRecord().dump();
  const std::string bad_tree = [] {
    json record = test::FixtureTreeRecord("p2");
    record["tree"][3].erase("q");
    return record.dump();
  }();
  const std::string trees = dir.Write("trees.jsonl", good + "\n" + bad_tree + "\n");
  const std::string out = dir.Write("out.jsonl", "old content\n");
  ExportOptions options;
  try {
    ExportTrees({trees}, options, out);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.file() == trees);
    CHECK(e.line() == 2);
    CHECK(std::string(e.what()).find("field \"q\"") != std::string::npos);
  }
  CHECK(ReadAll(out) == "old content\n");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) files += entry.is_regular_file() ? 1 : 0;
  CHECK(files == 2);  // no temporary file left behind

  const std::string not_a_tree = dir.Write("x.jsonl", R"({"question": "1+1?"})" "\n");
  CHECK_THROWS_AS(ExportTrees({not_a_tree}, options, out), InputError);
  CHECK(ReadAll(out) == "old content\n");
}

TEST_CASE("export command: --json summary, exit 2 on bad trees") {
  test::TempDir dir;
  const std::string trees = dir.Write("trees.jsonl", test::FixtureTreeRecord("p1").dump() + "\n" +
                                                         test::FixtureTreeRecord("p2").dump() + "\n");
  const std::string out = dir.path() + "/sub/prm.jsonl";
  const test::CommandResult r = test::Run(test::Binary() + " export --trees " + trees + " --format prm --labels soft-q --threshold 0.5 -o " + out + " --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const json summary = json::parse(r.output);
  CHECK(summary["format"] == "prm");
  CHECK(summary["trees"] == 2);
  CHECK(summary["questions"] == 2);
  CHECK(summary["records"] == 10);
  CHECK(summary["correct_paths"] == 4);
  CHECK(summary["steps"] == 30);
  CHECK(summary["labels"]["positive"].get<long>() + summary["labels"]["negative"].get<long>() == 30);
  CHECK(summary["by_difficulty"]["2"]["records"] == 10);
  CHECK(summary["pruning"]["nodes_dropped"] == 6);
  CHECK(summary["options"]["labels"] == "soft-q");
  CHECK(ReadJsonl(out).size() == 10);

  const std::string bad = dir.Write("bad.jsonl", test::FixtureTreeRecord().dump() + "\n{\"format\": \"steptree-tree\"}\n");
  const test::CommandResult e = test::Run(test::Binary() + " export --trees " + bad + " --format sft -o " + out);
  CHECK(e.exit_code == 2);
  CHECK(e.output.find("bad.jsonl:2: expected") != std::string::npos);
  CHECK(ReadJsonl(out).size() == 10);  // the earlier export is intact

  const test::CommandResult usage = test::Run(test::Binary() + " export --trees " + trees + " --format sft --labels hard -o " + out);
  CHECK(usage.exit_code == 2);
}

namespace {

// The fixture's tree as a chat model made it: its provenance (search/record.h) says which
// messages the prompt rendered and which delimiter ends a step.
SearchedTree ChatModelTree(const test::TempDir& dir, bool chat) {
  json record = test::FixtureTreeRecord();
  const std::string prompt = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nCalculate 2*3+4.<|im_end|>\n"
                             "<|im_start|>assistant\n";
  record["provenance"] = {{"prompt_format", chat ? "template" : "chatml"}, {"step_delimiter", "\n\n"}, {"prompt", prompt}};
  if (chat) {
    record["provenance"]["messages"] = json::array({json{{"role", "system"}, {"content", "Be brief."}},
                                                    json{{"role", "user"}, {"content", "Calculate 2*3+4."}}});
  }
  const std::string file = dir.Write("chat.jsonl", record.dump() + "\n");
  TreeFileReader reader(file);
  SearchedTree tree;
  REQUIRE(reader.Next(&tree));
  return tree;
}

}  // namespace

TEST_CASE("export lays records out as the tree's model read them: its prompt, messages and step delimiter") {
  test::TempDir dir;
  const SearchedTree chat = ChatModelTree(dir, true);
  CHECK(chat.step_delimiter == "\n\n");
  const std::string rendered = chat.prompt;
  CHECK(rendered.rfind("<|im_start|>system", 0) == 0);
  ExportOptions options;
  options.format = ExportFormat::kSft;
  options.max_correct = 1;

  // sft, chat style: TRL's conversational form, the model's own conversation first.
  const std::vector<json> sft = Records(chat, options);
  REQUIRE(sft.size() == 1);
  CHECK(sft[0]["messages"] ==
        json::parse(R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Calculate 2*3+4."},)"
                    R"({"role":"assistant","content":"2*3=6\n\n6+4=10\n\nThe answer is 10"}])"));
  CHECK(sft[0]["steps"] == json({"2*3=6", "6+4=10", "The answer is 10"}));  // what train --sft reads

  // sft, completion style: conversational prompt-completion, both sides message lists.
  options.sft_style = SftStyle::kCompletion;
  const std::vector<json> completion = Records(chat, options);
  CHECK(completion[0]["prompt"] == chat.messages);
  CHECK(completion[0]["completion"] ==
        json::parse(R"([{"role":"assistant","content":"2*3=6\n\n6+4=10\n\nThe answer is 10"}])"));

  // prm: the prompt is the rendered template; the question stays beside it for the audit.
  options.format = ExportFormat::kPrm;
  options.max_incorrect = 0;
  const std::vector<json> prm = Records(chat, options);
  CHECK(prm[0]["prompt"] == rendered);
  CHECK(prm[0]["question"] == "Calculate 2*3+4.");
  CHECK(prm[0]["completions"] == json({"2*3=6", "6+4=10", "The answer is 10"}));

  // pairs: the prompt text, then the prefix steps each ended by the model's delimiter.
  options.format = ExportFormat::kPairs;
  const std::vector<json> pairs = Records(chat, options);
  REQUIRE(pairs.size() == 3);
  CHECK(pairs[1]["prompt"] == rendered + "2*3=6\n\n6+4=10\n\n");

  // A model without a chat template (a fixed layout): the plain form with its prompt text.
  const SearchedTree plain = ChatModelTree(dir, false);
  CHECK_FALSE(plain.messages.is_array());
  options.format = ExportFormat::kSft;
  const std::vector<json> plain_completion = Records(plain, options);
  CHECK(plain_completion[0]["prompt"] == rendered);
  CHECK(plain_completion[0]["completion"] == "2*3=6\n\n6+4=10\n\nThe answer is 10");
  options.sft_style = SftStyle::kChat;
  CHECK(Records(plain, options)[0]["messages"][0] == json{{"role", "user"}, {"content", "Calculate 2*3+4."}});
}

TEST_CASE("export refuses a tree whose provenance does not say how its text was laid out") {
  test::TempDir dir;
  for (const json& provenance : {json::array(), json{{"step_delimiter", "\n"}}, json{{"prompt", "Q"}},
                                 json{{"prompt", "Q"}, {"step_delimiter", ""}},
                                 json{{"prompt", "Q"}, {"step_delimiter", "\n"}, {"messages", json::array()}},
                                 json{{"prompt", "Q"}, {"step_delimiter", "\n"}, {"messages", json::array({json{{"role", 1}}})}}}) {
    json record = test::FixtureTreeRecord();
    record["provenance"] = provenance;
    const std::string file = dir.Write("bad.jsonl", record.dump() + "\n");
    TreeFileReader reader(file);
    SearchedTree tree;
    CAPTURE(provenance.dump());
    try {
      reader.Next(&tree);
      FAIL("expected an InputError");
    } catch (const InputError& e) {
      CHECK(e.file() == file);
      CHECK(e.line() == 1);
      CHECK(std::string(e.what()).find("field \"provenance\"") != std::string::npos);
    }
  }
}
