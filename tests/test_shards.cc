// Sharded search (search --shard K/N, search/shard.h) and `steptree merge` (search/merge.h):
// the shard split and its flags, merged shards byte-identical to one process (also after a
// shard is killed and resumed), and merge's refusals (exit 2, one line naming the file,
// the existing output untouched).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "search/shard.h"
#include "tests/cli_fixtures.h"
#include "tests/test_util.h"

using namespace steptree;
using steptree::test::ReadFile;
using steptree::test::Steptree;
using steptree::test::TinyModelWithValueHead;

namespace {

// An environment made of the given variables only.
EnvironmentLookup Environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const char* name) -> const char* {
    const auto it = variables.find(name);
    return it == variables.end() ? nullptr : it->second.c_str();
  };
}

std::vector<Problem> Problems(int n) {
  std::vector<Problem> problems(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) problems[static_cast<size_t>(i)].id = "p" + std::to_string(i);
  return problems;
}

long Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

}  // namespace

TEST_SUITE("shards") {

TEST_CASE("--shard K/N and auto: Slurm arrays, Kubernetes Indexed Jobs, and clear refusals") {
  const EnvironmentLookup none = Environment({});
  CHECK(ParseShardFlag("1/3", 0, none).index == 1);
  CHECK(ParseShardFlag("1/3", 0, none).count == 3);
  CHECK(ParseShardFlag("0/1", 0, none).count == 1);
  for (const char* bad : {"3/3", "1/0", "-1/3", "1", "a/3", "1/3x", "", "1/100001"}) {
    CHECK_THROWS_AS_MESSAGE(ParseShardFlag(bad, 0, none), UsageError, bad);
  }
  CHECK_THROWS_AS(ParseShardFlag("1/3", 4, none), UsageError);  // --shard-count disagrees

  // Slurm: the index is the task id, the count the array's (a whole array 0..N-1).
  ShardSpec slurm = ParseShardFlag("auto", 0, Environment({{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_MIN", "0"},
                                                           {"SLURM_ARRAY_TASK_COUNT", "3"}}));
  CHECK(slurm.index == 1);
  CHECK(slurm.count == 3);
  slurm = ParseShardFlag("auto", 0, Environment({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_MIN", "0"},
                                                 {"SLURM_ARRAY_TASK_MAX", "2"}}));
  CHECK(slurm.index == 2);
  CHECK(slurm.count == 3);
  // A part of an array (--array=2-3 resubmitted) without --shard-count would take another
  // shard's index: refused.
  CHECK_THROWS_WITH_AS(ParseShardFlag("auto", 0, Environment({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_MIN", "2"},
                                                              {"SLURM_ARRAY_TASK_MAX", "3"},
                                                              {"SLURM_ARRAY_TASK_COUNT", "2"}})),
                       doctest::Contains("--shard-count"), UsageError);
  CHECK_THROWS_AS(ParseShardFlag("auto", 0, Environment({{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_MIN", "0"},
                                                         {"SLURM_ARRAY_TASK_MAX", "4"},
                                                         {"SLURM_ARRAY_TASK_COUNT", "2"}})),  // --array=0,4
                  UsageError);
  // A resubmitted task (--array=2 alone: count 1) keeps its index with --shard-count.
  slurm = ParseShardFlag("auto", 3, Environment({{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_MIN", "2"},
                                                 {"SLURM_ARRAY_TASK_COUNT", "1"}}));
  CHECK(slurm.index == 2);
  CHECK(slurm.count == 3);
  CHECK_THROWS_AS(ParseShardFlag("auto", 0, Environment({{"SLURM_ARRAY_TASK_ID", "x"}})), UsageError);
  CHECK_THROWS_AS(ParseShardFlag("auto", 2, Environment({{"SLURM_ARRAY_TASK_ID", "2"}})), UsageError);

  // Kubernetes: the index from the Job, the count from --shard-count.
  const ShardSpec k8s = ParseShardFlag("auto", 4, Environment({{"JOB_COMPLETION_INDEX", "3"}}));
  CHECK(k8s.index == 3);
  CHECK(k8s.count == 4);
  CHECK_THROWS_WITH_AS(ParseShardFlag("auto", 0, Environment({{"JOB_COMPLETION_INDEX", "3"}})),
                       doctest::Contains("--shard-count"), UsageError);
  CHECK_THROWS_WITH_AS(ParseShardFlag("auto", 0, none), doctest::Contains("SLURM_ARRAY_TASK_ID"), UsageError);
}

TEST_CASE("the split: problem i goes to shard i mod N; sizes differ by at most one; {shard} paths") {
  const std::vector<Problem> problems = Problems(10);
  std::vector<std::string> seen;
  for (int k = 0; k < 3; ++k) {
    const std::vector<Problem> shard = ShardProblems(problems, ShardSpec{k, 3});
    CHECK(static_cast<long>(shard.size()) == ShardSize(10, ShardSpec{k, 3}));
    for (size_t j = 0; j < shard.size(); ++j) CHECK(shard[j].id == "p" + std::to_string(k + 3 * static_cast<int>(j)));
    for (const Problem& p : shard) seen.push_back(p.id);
  }
  CHECK(seen.size() == 10);
  CHECK(ShardSize(10, ShardSpec{0, 3}) == 4);
  CHECK(ShardSize(10, ShardSpec{2, 3}) == 3);
  CHECK(ShardSize(2, ShardSpec{4, 5}) == 0);  // more shards than problems: empty shards
  CHECK(ShardPath("out/trees.{shard}.jsonl", 7) == "out/trees.7.jsonl");
  CHECK(ShardPath("plain.jsonl", 7) == "plain.jsonl");
  CHECK(ProblemsDigest(problems) == ProblemsDigest(Problems(10)));
  CHECK(ProblemsDigest(problems) != ProblemsDigest(Problems(9)));
}

TEST_CASE("three shards merged equal one process, trees and value targets (MCTS and SBS), also after a kill") {
  test::TempDir dir;
  for (const std::string mode : {"--mode mcts --iterations 6 --max-depth 3", "--mode sbs --b1 2 --b2 2 --max-depth 3"}) {
    CAPTURE(mode);
    // Some of the 11 questions are longer than the tiny model's context (192): each shard
    // must truncate the same ones the same way.
    const std::string common = "search --model " + TinyModelWithValueHead() +
                               " --problems 11 --seed 7 --on-long-prompt truncate-left " + mode;
    const std::string one = dir.path() + "/one.jsonl", one_targets = dir.path() + "/one-values.jsonl";
    REQUIRE(test::Run(Steptree(common + " --output " + one + " --value-targets " + one_targets)).exit_code == 0);
    const std::string shards = dir.path() + "/trees.{shard}.jsonl", targets = dir.path() + "/values.{shard}.jsonl";
    for (int k = 0; k < 3; ++k) {
      const auto r = test::Run(Steptree(common + " --shard " + std::to_string(k) + "/3 --json --output " + shards +
                                        " --value-targets " + targets));
      REQUIRE_MESSAGE(r.exit_code == 0, r.output);
      CHECK(test::LastJsonObject(r.output)["n"] == (k < 2 ? 4 : 3));
    }
    const nlohmann::json manifest = nlohmann::json::parse(ReadFile(dir.path() + "/trees.1.jsonl.shard.json"));
    CHECK(manifest["format"] == "steptree-shard");
    CHECK(manifest["shard"] == 1);
    CHECK(manifest["shards"] == 3);
    CHECK(manifest["problems"] == 11);
    CHECK(manifest["shard_problems"] == 4);
    CHECK(manifest["value_targets"] == "values.1.jsonl");
    const std::string merged = dir.path() + "/merged.jsonl", merged_targets = dir.path() + "/merged-values.jsonl";
    const auto m = test::Run(Steptree("merge --json -o " + merged + " --value-targets " + merged_targets + " " +
                                      dir.path() + "/trees.2.jsonl " + dir.path() + "/trees.0.jsonl " + dir.path() +
                                      "/trees.1.jsonl"));
    REQUIRE_MESSAGE(m.exit_code == 0, m.output);
    CHECK(ReadFile(merged) == ReadFile(one));
    CHECK(ReadFile(merged_targets) == ReadFile(one_targets));
    const nlohmann::json summary = test::LastJsonObject(m.output);
    CHECK(summary["n"] == 11);
    CHECK(summary["shards"] == 3);
    CHECK(summary["missing_shards"].empty());
  }

}

TEST_CASE("a shard killed with SIGKILL mid-run and resumed merges to the one-process trees") {
  test::TempDir dir;
  const std::string common = "search --model " + TinyModelWithValueHead() +
                             " --problems 11 --seed 7 --on-long-prompt truncate-left --mode mcts --iterations 6 --max-depth 3";
  const std::string one = dir.path() + "/one.jsonl", killed = dir.path() + "/trees.1.jsonl";
  REQUIRE(test::Run(Steptree(common + " --output " + one)).exit_code == 0);
  for (int k : {0, 2}) {
    REQUIRE(test::Run(Steptree(common + " --shard " + std::to_string(k) + "/3 --output " + dir.path() +
                               "/trees.{shard}.jsonl")).exit_code == 0);
  }
  // Killed once its partial file holds a tree (or at its end, when it is faster than the poll).
  const std::string pattern = dir.path() + "/trees.{shard}.jsonl";
  const auto kill = test::Run("bash -c '" + Steptree(common + " --shard 1/3 --output " + pattern) + " & pid=$!; " +
                              "while kill -0 $pid 2>/dev/null && ! grep -q . " + killed + ".partial 2>/dev/null; do "
                              "sleep 0.02; done; kill -9 $pid 2>/dev/null; wait $pid; exit 0'");
  REQUIRE(kill.exit_code == 0);
  const std::string merged = dir.path() + "/merged.jsonl";
  const std::string shards = dir.path() + "/trees.0.jsonl " + killed + " " + dir.path() + "/trees.2.jsonl";
  if (!std::filesystem::exists(killed + ".shard.json")) {
    // Not finished: merge refuses it and says how to go on.
    const auto early = test::Run(Steptree("merge -o " + merged + " " + shards));
    CHECK(early.exit_code == 2);
    CHECK(early.output.find("--resume") != std::string::npos);
  }
  const auto resumed = test::Run(Steptree(common + " --shard 1/3 --resume --json --output " + pattern));
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  CHECK(test::LastJsonObject(resumed.output)["n"] == 4);
  REQUIRE(test::Run(Steptree("merge -o " + merged + " " + shards)).exit_code == 0);
  CHECK(ReadFile(merged) == ReadFile(one));
}

TEST_CASE("merge refuses foreign, missing and duplicated shards with exit 2 and leaves its output as it was") {
  test::TempDir dir;
  const std::string common =
      "search --model " + TinyModelWithValueHead() + " --problems 7 --problem-seed 7 --seed 7 --mode greedy --output " + dir.path();
  for (int k = 0; k < 3; ++k) {
    REQUIRE(test::Run(Steptree(common + "/t.{shard}.jsonl --shard " + std::to_string(k) + "/3")).exit_code == 0);
  }
  REQUIRE(test::Run(Steptree(common + "/seed9.{shard}.jsonl --shard 2/3 --seed 9")).exit_code == 0);
  // The tiny model has no tool: --tool calculator makes other trees, recorded in the digest.
  REQUIRE(test::Run(Steptree(common + "/tool.{shard}.jsonl --shard 2/3 --tool calculator")).exit_code == 0);
  const std::string t0 = dir.path() + "/t.0.jsonl", t1 = dir.path() + "/t.1.jsonl", t2 = dir.path() + "/t.2.jsonl";
  const std::string out = dir.Write("merged.jsonl", "keep me\n");
  const auto refused = [&](const std::string& shards, const std::string& expected) {
    const auto r = test::Run(Steptree("merge -o " + out + " " + shards));
    CHECK_MESSAGE(r.exit_code == 2, r.output);
    CHECK_MESSAGE(r.output.find(expected) != std::string::npos, r.output);
    CHECK_MESSAGE(Lines(r.output) == 1, r.output);
    CHECK(ReadFile(out) == "keep me\n");
  };
  refused(t0 + " " + t1 + " " + dir.path() + "/seed9.2.jsonl", "seed9.2.jsonl: expected a shard of the same run");
  refused(t0 + " " + t1 + " " + dir.path() + "/tool.2.jsonl", "model digest");
  refused(t0 + " " + t1, "shard 2/3");
  refused(t0 + " " + t1 + " " + t2 + " " + t1, "t.1.jsonl: expected each shard once");
  // A problem of shard 0 written into shard 1 in place of one of its own.
  const std::string t0_text = ReadFile(t0), t1_text = ReadFile(t1);
  test::TempDir copy;
  const std::string twin = copy.Write("t.1.jsonl", t0_text.substr(0, t0_text.find('\n') + 1) +
                                                     t1_text.substr(t1_text.find('\n') + 1));
  std::filesystem::copy_file(t1 + ".shard.json", twin + ".shard.json");
  refused(t0 + " " + twin + " " + t2, "expected each problem once");
  refused(t0 + " " + dir.path() + "/none.jsonl", "none.jsonl.shard.json: expected the manifest");

  // Shards that would write one file, and a count of zero, are refused before any work.
  const auto one_file = test::Run(Steptree(common + "/one.jsonl --shard 1/3"));
  CHECK(one_file.exit_code == 2);
  CHECK(one_file.output.find("put {shard} in it") != std::string::npos);
  CHECK(test::Run(Steptree(common + "/t.{shard}.jsonl --shard 1/3 --shard-count 0")).exit_code == 2);
  CHECK(test::Run(Steptree(common + "/t.{shard}.jsonl --shard-count 3")).exit_code == 2);
  CHECK(!std::filesystem::exists(dir.path() + "/one.jsonl"));

  // --allow-missing merges what is there, in input order, and says what is missing.
  const auto partial = test::Run(Steptree("merge --allow-missing --json -o " + out + " " + t2 + " " + t0));
  REQUIRE_MESSAGE(partial.exit_code == 0, partial.output);
  const nlohmann::json summary = test::LastJsonObject(partial.output);
  CHECK(summary["missing_shards"] == nlohmann::json::array({1}));
  CHECK(summary["missing_problems"] == 2);
  CHECK(summary["n"] == 5);
  CHECK(Lines(ReadFile(out)) == 5);
}

}  // TEST_SUITE("shards")
