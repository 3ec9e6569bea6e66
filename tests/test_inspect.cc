// Tests of `steptree inspect` on steptree's own files (app/inspect.h): trees, each export
// format, value targets, solutions, grade records, shard manifests, sweep and evolve run
// directories and their JSON files, --json summaries and other JSON, pretty-printed or not;
// and exit 2 naming file and line for a malformed one of each. (Data sets, checkpoints and
// safetensors files: tests/test_loaders.cc; Hugging Face models: tests/test_hf_bench.cc.)
// Every case runs the binary.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cli_fixtures.h"
#include "tests/export_fixtures.h"
#include "tests/test_util.h"

using namespace steptree;
using nlohmann::json;
using steptree::test::ReadFile;
using steptree::test::Steptree;

namespace {

test::CommandResult Inspect(const std::string& args) { return test::Run(Steptree("inspect " + args)); }

// inspect --json of `path`, required to succeed.
json InspectJson(const std::string& path) {
  const test::CommandResult r = Inspect("'" + path + "' --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  return json::parse(r.output);
}

// inspect of `path` exits 2 with one line naming `where` ("file:line: expected").
void CheckRefused(const std::string& path, const std::string& where) {
  const test::CommandResult r = Inspect("'" + path + "' --json");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find(where + ": expected") != std::string::npos, r.output);
  CHECK(r.output.find("internal error") == std::string::npos);
}

std::string Run(const std::string& args) {
  const test::CommandResult r = test::Run(Steptree(args));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  return r.output;
}

std::string FirstLine(const std::string& path) {
  const std::string text = ReadFile(path);
  return text.substr(0, text.find('\n'));
}

// `record` (one JSONL line) with `key` set to `value`.
std::string With(const std::string& record, const std::string& key, const json& value) {
  json changed = json::parse(record);
  changed[key] = value;
  return changed.dump();
}

}  // namespace

TEST_SUITE("inspect") {

TEST_CASE("inspect: trees, value targets, solutions and a shard manifest from the binary" *
          doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  const std::string trees = dir.path() + "/t.jsonl", values = dir.path() + "/v.jsonl";
  const std::string summary_text =
      Run("search --problems 3 --mode greedy --threads 1 --json -o " + trees + " --value-targets " + values);
  json s = InspectJson(trees);
  CHECK(s["kind"] == "trees");
  CHECK(s["trees"] == 3);
  CHECK(s["modes"] == json{{"greedy", 3}});
  REQUIRE(s["configs"].size() == 1);
  CHECK(s["configs"][0]["trees"] == 3);
  CHECK(s["configs"][0]["config"]["mode"] == "greedy");
  REQUIRE(s["model_digests"].size() == 1);
  CHECK(s["model_digests"].begin().value() == 3);
  CHECK(s["without_model_digest"] == 0);
  CHECK(s["graded"] == 3);
  const json search = test::LastJsonObject(summary_text);
  CHECK(s["correct"] == search["correct"]);
  CHECK(s["accuracy"] == search["accuracy"]);
  CHECK(s["budget"]["generated_tokens"] == search["generated_tokens"]);
  CHECK(s["nodes"].get<long>() >= 6);
  CHECK(s["first_id"].get<std::string>().rfind("syn-", 0) == 0);
  // search records its provenance: the model folder and the built-in prompt format.
  CHECK(s["provenance"]["records"] == 3);
  CHECK(s["provenance"]["prompt_formats"] == json{"steptree"});
  test::CommandResult r = Inspect(trees);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("trees file (search --output)") != std::string::npos);

  s = InspectJson(values);
  CHECK(s["kind"] == "value_targets");
  CHECK(s["questions"] == 3);
  CHECK(s["correct_paths"].get<long>() + s["incorrect_paths"].get<long>() == s["records"].get<long>());

  // The search summary saved to a file, as one line and pretty-printed.
  const std::string one_line = dir.Write("summary.json", search.dump() + "\n");
  s = InspectJson(one_line);
  CHECK(s["kind"] == "summary");
  CHECK(s["command"] == "search");
  CHECK(s["figures"]["n"] == 3);
  const std::string pretty = dir.Write("pretty.json", search.dump(2) + "\n");
  CHECK(InspectJson(pretty)["command"] == "search");

  // eval -o: solutions.
  const std::string solutions = dir.path() + "/s.jsonl";
  const json eval = test::LastJsonObject(Run("eval --problems 3 --threads 1 --json -o " + solutions));
  s = InspectJson(solutions);
  CHECK(s["kind"] == "solutions");
  CHECK(s["problems"] == 3);
  CHECK(s["correct"] == eval["correct"]);
  CHECK(s["generated_tokens"] == eval["generated_tokens"]);
  CHECK(s["ends"].is_object());

  // A shard's manifest (pretty-printed JSON).
  Run("search --problems 3 --mode greedy --threads 1 --shard 1/2 -o " + dir.path() + "/shard.{shard}.jsonl");
  s = InspectJson(dir.path() + "/shard.1.jsonl.shard.json");
  CHECK(s["kind"] == "shard_manifest");
  CHECK(s["shard"] == 1);
  CHECK(s["shards"] == 2);
  CHECK(s["problems"] == 3);
  CHECK(s["shard_problems"] == 1);
  CHECK(s["trees"] == "shard.1.jsonl");
  CHECK(s["summary"]["n"] == 1);
}

TEST_CASE("inspect: each export format, and the sft export also reads as a problem set" *
          doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  const std::string trees = dir.Write("trees.jsonl", test::FixtureTreeRecord("p1").dump() + "\n" +
                                                         test::FixtureTreeRecord("p2").dump() + "\n");
  auto exported = [&](const std::string& name, const std::string& flags) {
    const std::string out = dir.path() + "/" + name;
    Run("export --trees " + trees + " " + flags + " -o " + out);
    const json s = InspectJson(out);
    CHECK(s["kind"] == "export");
    CHECK(s["questions"] == 2);
    CHECK(s["difficulty"] == json{{"2", s["records"]}});
    return s;
  };
  json s = exported("sft.jsonl", "--format sft");
  CHECK(s["export_format"] == "sft");
  CHECK(s["sft_style"] == "chat");
  CHECK(s["records"] == 4);
  CHECK(s["steps"] == 12);
  CHECK(s["also_reads_as"] == "dataset");
  s = exported("sft-completion.jsonl", "--format sft --sft-style completion");
  CHECK(s["sft_style"] == "completion");
  CHECK(s["records"] == 4);
  s = exported("value.jsonl", "--format value");
  CHECK(s["export_format"] == "value");
  CHECK(s["records"] == 10);
  CHECK(s["correct_paths"] == 4);
  CHECK(s["incorrect_paths"] == 6);
  CHECK(s["with_gold"] == 10);
  CHECK(s["also_reads_as"] == "value_targets");
  CHECK(s["labels"]["positive"].get<long>() + s["labels"]["negative"].get<long>() == s["steps"].get<long>());
  s = exported("prm.jsonl", "--format prm");
  CHECK(s["export_format"] == "prm");
  CHECK(s["records"] == 10);
  CHECK(s["steps"] == 30);
  CHECK(s["correct_paths"] == 4);
  CHECK(s["with_scores"] == 0);
  CHECK(s["also_reads_as"].is_null());
  const long positive = s["labels"]["positive"].get<long>();
  CHECK(positive > 0);
  CHECK(positive + s["labels"]["negative"].get<long>() == 30);
  s = exported("prm-soft.jsonl", "--format prm --labels soft-q");
  CHECK(s["with_scores"] == 10);
  s = exported("pairs.jsonl", "--format pairs");
  CHECK(s["export_format"] == "pairs");
  CHECK(s["records"] == 6);
  CHECK(s["steps"] == 12);
  CHECK(s["mean_q_gap"].get<double>() >= 0.5);
  const test::CommandResult r = Inspect(dir.path() + "/prm.jsonl");
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("prm export") != std::string::npos);

  // The trees file itself: fixture records without a model digest.
  s = InspectJson(trees);
  CHECK(s["without_model_digest"] == 2);
  CHECK(s["solved"] == 2);
  CHECK(s["budget"]["nodes"] == 32);
  // Records with provenance: its model paths and prompt formats are reported.
  json with = test::FixtureTreeRecord("p3");
  with["provenance"] = {{"prompt_format", "steptree"}, {"step_delimiter", "\n"}, {"model", {{"path", "models/x"}}},
                        {"prompt", "Q: Calculate 2*3+4.\n"}};
  s = InspectJson(dir.Write("prov.jsonl", with.dump() + "\n" + test::FixtureTreeRecord("p4").dump() + "\n"));
  CHECK(s["provenance"] == json{{"records", 1}, {"model_paths", {"models/x"}}, {"prompt_formats", {"steptree"}}});
}

TEST_CASE("inspect: a sweep run directory, its files, an evolve run directory, grade records, other JSON" *
          doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  const std::string config =
      dir.Write("sweep.json", R"({"synthetic": 2, "methods": [{"mode": "greedy"}, {"mode": "maj", "k": [1, 2]}]})");
  const std::string run_dir = dir.path() + "/sweep";
  Run("sweep --threads 1 --config " + config + " --run-dir " + run_dir);
  json s = InspectJson(run_dir);
  CHECK(s["kind"] == "sweep_dir");
  CHECK(s["runs_finished"] == 2);
  CHECK(s["trees_files"] == 2);
  CHECK(s["config"]["runs"].size() == 2);
  CHECK(s["config"]["points"] == 3);
  CHECK(s["results"]["points"] == 3);
  CHECK(s["report_files"]["plot.svg"] == true);
  s = InspectJson(run_dir + "/results.json");
  CHECK(s["kind"] == "sweep_results");
  CHECK(s["points"] == 3);
  CHECK(s["curves"]["maj@k"] == 2);
  CHECK(s["table"][0]["label"] == "greedy");
  s = InspectJson(run_dir + "/config.json");
  CHECK(s["kind"] == "sweep_config");
  CHECK(s["problems"]["synthetic"] == 2);
  CHECK(InspectJson(config)["kind"] == "sweep_config");  // one line, written by hand
  CHECK(InspectJson(run_dir + "/runs/greedy.json")["kind"] == "sweep_run");
  CHECK(InspectJson(run_dir + "/trees/greedy.jsonl")["kind"] == "trees");
  test::CommandResult r = Inspect(run_dir);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("sweep run directory") != std::string::npos);

  // An evolve run directory (the files evolve writes, by hand: evolve itself trains).
  const std::string evolve = dir.path() + "/evolve";
  std::filesystem::create_directories(evolve + "/round-0");
  std::filesystem::create_directories(evolve + "/round-1");
  std::ofstream(evolve + "/config.json")
      << json{{"rounds", 2}, {"init", ""}, {"problems", 10}, {"data_iterations", 5}, {"eval_problems", 4},
              {"eval_seed", 1}, {"steps", 3}, {"lr", 0.001}, {"alpha", 1.0}, {"anchor_sft", 0}, {"seed", 1}}
             .dump(2);
  std::ofstream(evolve + "/round-0/metrics.json")
      << json{{"round", 0}, {"greedy", 0.5}, {"sbs", 0.5}, {"mcts", 0.75}, {"model", "m"}}.dump(2);
  s = InspectJson(evolve);
  CHECK(s["kind"] == "evolve_dir");
  CHECK(s["rounds_planned"] == 3);
  CHECK(s["rounds_done"] == 1);
  REQUIRE(s["rounds"].size() == 2);
  CHECK(s["rounds"][0]["metrics"]["mcts"] == 0.75);
  CHECK(s["rounds"][1]["done"] == false);
  CHECK(InspectJson(evolve + "/config.json")["kind"] == "evolve_config");
  CHECK(InspectJson(evolve + "/round-0/metrics.json")["kind"] == "evolve_metrics");

  // grade --input records, before and after grading.
  const std::string graded = dir.path() + "/gout.jsonl";
  const std::string in = dir.Write("g.jsonl", R"({"id": "a", "pred": "\\frac{1}{2}", "gold": "0.5"})" "\n"
                                              R"({"id": "b", "text": "The answer is 3.", "gold": 4})" "\n");
  Run("grade --input " + in + " -o " + graded);
  s = InspectJson(in);
  CHECK(s["kind"] == "grade");
  CHECK(s["records"] == 2);
  CHECK(s["graded"] == 0);
  s = InspectJson(graded);
  CHECK(s["graded"] == 2);
  CHECK(s["equal"] == 1);
  CHECK(s["accuracy"] == 0.5);

  // Any other JSON: its type and keys.
  s = InspectJson(dir.Write("other.json", "{\n  \"b\": [1, 2],\n  \"a\": 1\n}\n"));
  CHECK(s["kind"] == "json");
  CHECK(s["keys"] == json{"a", "b"});
  CHECK(InspectJson(dir.Write("list.json", "[1, 2, 3]"))["length"] == 3);
}

TEST_CASE("inspect: a malformed file of each kind exits 2 naming the file and line" * doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  const std::string tree = test::FixtureTreeRecord("p1").dump();
  json bad_config = test::FixtureTreeRecord("p2");
  bad_config["config"] = {{"mode", "greedy"}, {"b1", 3}};
  json bad_budget = test::FixtureTreeRecord("p2");
  bad_budget["budget"] = {{"generated_tokens", -1}};
  json bad_provenance = test::FixtureTreeRecord("p2");
  bad_provenance["provenance"] = {{"model", {{"path", 7}}}};
  const std::string trees = dir.path() + "/trees.jsonl";
  std::ofstream(trees) << tree << "\n";
  for (const std::string prm_flags : {"--format prm", "--format sft", "--format value", "--format pairs"}) {
    Run("export --trees " + trees + " " + prm_flags + " -o " + dir.path() + "/" + prm_flags.substr(9) + ".jsonl");
  }
  const std::string sft = FirstLine(dir.path() + "/sft.jsonl"), prm = FirstLine(dir.path() + "/prm.jsonl");
  const std::string value = FirstLine(dir.path() + "/value.jsonl"), pairs = FirstLine(dir.path() + "/pairs.jsonl");
  json short_labels = json::parse(prm);
  short_labels["labels"].erase(0);
  json bad_q = json::parse(value);
  bad_q["steps"][0]["Q"] = 2;
  json no_chosen_q = json::parse(pairs);
  no_chosen_q.erase("chosen_q");
  const std::string solution =
      R"({"answer":"5","correct":true,"end":"eos","gold":"5","generated_tokens":9,"id":"a","question":"2+3?","steps":["2+3=5"]})";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"trees-line.jsonl", tree + "\n{\"format\": \"steptree-tree\"}\n"},
      {"trees-config.jsonl", tree + "\n" + bad_config.dump() + "\n"},
      {"trees-budget.jsonl", tree + "\n" + bad_budget.dump() + "\n"},
      {"trees-provenance.jsonl", tree + "\n" + bad_provenance.dump() + "\n"},
      {"sft-mixed.jsonl", sft + "\n" + prm + "\n"},
      {"sft-steps.jsonl", sft + "\n" + With(sft, "steps", "x") + "\n"},
      {"prm-labels.jsonl", prm + "\n" + short_labels.dump() + "\n"},
      {"value-q.jsonl", value + "\n" + bad_q.dump() + "\n"},
      {"pairs-q.jsonl", pairs + "\n" + no_chosen_q.dump() + "\n"},
      {"targets.jsonl", R"({"question": "q", "steps": [{"step": "s", "Q": 1}]})" "\n"
                        R"({"question": "q", "steps": [{"step": "s", "Q": 0.5}]})" "\n"},
      {"solutions.jsonl", solution + "\n" + With(solution, "end", 3) + "\n"},
      {"grade.jsonl", R"({"pred": "1", "gold": "1"})" "\n" R"({"pred": "1"})" "\n"},
      {"unknown.jsonl", "{\"a\": 1}\n{\"a\": 2}\n"},
      {"pretty.json", "{\n  \"a\": 1,\n  \"b\": \n}\n"},
  };
  for (const auto& [name, content] : files) {
    CAPTURE(name);
    const std::string path = dir.Write(name, content);
    const std::string line = name == "unknown.jsonl" ? "1" : name == "pretty.json" ? "4" : "2";
    CheckRefused(path, path + ":" + line);
  }
  const test::CommandResult unknown = Inspect(dir.path() + "/unknown.jsonl");
  CHECK(unknown.output.find("a record of a file inspect knows") != std::string::npos);
  CHECK(unknown.output.find("--question-field") != std::string::npos);

  // Whole JSON documents of a known kind that break its rules name the file.
  json manifest = {{"format", "steptree-shard"}, {"version", 1}, {"shard", 3}, {"shards", 2}, {"problems", 4},
                   {"data_digest", "x"}, {"model_digest", "y"}, {"config", {{"mode", "greedy"}}}};
  std::string path = dir.Write("m.shard.json", manifest.dump(2));
  CheckRefused(path, path);
  path = dir.Write("results.json", json{{"format", "steptree-sweep"}, {"version", 1}, {"runs", json::array()},
                                        {"points", json::array({json{{"label", "greedy"}}})}}.dump(2));
  CheckRefused(path, path);
  path = dir.Write("sweep.json", R"({"synthetic": 2, "methods": [{"mode": "greedy", "k": 3}]})");
  CheckRefused(path, path);
  // A folder that is no run directory says what inspect reads.
  std::filesystem::create_directories(dir.path() + "/empty");
  const test::CommandResult folder = Inspect(dir.path() + "/empty");
  CHECK(folder.exit_code == 2);
  CHECK(folder.output.find("a sweep or evolve run directory") != std::string::npos);
}

}  // TEST_SUITE("inspect")
