// steptree evolve: a tiny run end to end (every artefact of every round, the round table as
// JSON), resuming without redoing finished rounds, and refusing a run directory of another
// configuration.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/test_util.h"

using namespace steptree;

TEST_CASE("evolve command: round 0 and one round write every artefact, a rerun resumes, other options refused") {
  test::TempDir dir;
  const std::string run_dir = dir.path() + "/evolve";
  const std::string base = test::Binary() + " evolve --run-dir " + run_dir +
                           " --problems 6 --eval-problems 4 --steps 2 --data-iterations 5 --threads 1";
  const test::CommandResult first = test::Run(base + " --rounds 1 --json");
  REQUIRE_MESSAGE(first.exit_code == 0, first.output);
  const nlohmann::json out = nlohmann::json::parse(first.output.substr(first.output.rfind("\n{") + 1));
  REQUIRE(out["rounds"].size() == 2);
  for (const nlohmann::json& round : out["rounds"]) {
    for (const char* key : {"round", "greedy", "sbs", "mcts", "greedy_tokens_per_problem", "value_paths", "model"}) {
      CHECK_MESSAGE(round.contains(key), key);
    }
    CHECK(round["greedy"].get<double>() >= 0);
    CHECK(round["greedy"].get<double>() <= 1);
  }
  CHECK(out["rounds"][0]["value_paths"] == 0);
  CHECK(out["rounds"][1]["value_paths"].get<long>() > 0);
  // Round 0 starts with a fresh head: its checkpoint has none; round 1 trained one.
  CHECK(std::filesystem::exists(run_dir + "/round-0/model/model.safetensors"));
  CHECK(!std::filesystem::exists(run_dir + "/round-0/model/value_head.safetensors"));
  CHECK(std::filesystem::exists(run_dir + "/round-1/model/value_head.safetensors"));
  for (const char* file : {"problems.jsonl", "trees.jsonl", "value.jsonl", "sft.jsonl", "metrics.json",
                           "eval/greedy.jsonl", "eval/sbs.jsonl", "eval/mcts.jsonl"}) {
    CHECK_MESSAGE(std::filesystem::exists(run_dir + "/round-1/" + file), file);
  }
  std::ifstream trees(run_dir + "/round-1/trees.jsonl");
  long lines = 0;
  for (std::string line; std::getline(trees, line);) ++lines;
  CHECK(lines == 6);

  // The same command again: both rounds were done, nothing is searched or trained.
  const test::CommandResult again = test::Run(base + " --rounds 1 --json");
  REQUIRE_MESSAGE(again.exit_code == 0, again.output);
  CHECK(again.output.find("round 0 done earlier") != std::string::npos);
  CHECK(again.output.find("round 1 done earlier") != std::string::npos);
  CHECK(again.output.find("steptree search") == std::string::npos);
  const nlohmann::json same = nlohmann::json::parse(again.output.substr(again.output.rfind("\n{") + 1));
  CHECK(same["rounds"] == out["rounds"]);

  const test::CommandResult other = test::Run(test::Binary() + " evolve --run-dir " + run_dir +
                                              " --problems 7 --eval-problems 4 --steps 2 --data-iterations 5");
  CHECK(other.exit_code == 2);
  CHECK(other.output.find("problems") != std::string::npos);
}

TEST_CASE("evolve command: --difficulty sets the training levels, --pair-weight exports pairs, a binary deleted mid-run still runs every step") {
  test::TempDir dir;
  // A copy of the binary that is deleted while evolve runs (a rebuild or upgrade during a
  // long run): every step still runs, as the same code (/proc/self/exe).
  const std::string binary = dir.path() + "/steptree-copy";
  std::filesystem::copy_file(test::Binary(), binary);
  std::filesystem::permissions(binary, std::filesystem::perms::owner_all);
  const std::string run_dir = dir.path() + "/evolve";
  const std::string command = binary + " evolve --run-dir " + run_dir +
                              " --problems 4 --eval-problems 2 --steps 1 --data-iterations 20 --threads 1"
                              " --rounds 1 --difficulty 3-4 --pair-weight 0.5";
  // The copy is deleted once evolve has started (its config.json is written) and while it
  // still runs, which the shell confirms; waiting on the file, not a fixed sleep, so a loaded
  // machine cannot delete it before the process has started.
  const std::string started = run_dir + "/config.json";
  const test::CommandResult run = test::Run(
      "{ " + command + " & pid=$!; i=0; while [ ! -e " + started + " ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; rm -f " +
      binary + "; if kill -0 $pid 2>/dev/null; then echo deleted-while-running; fi; wait $pid; }");
  REQUIRE_MESSAGE(run.exit_code == 0, run.output);
  CHECK(run.output.find("deleted-while-running") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(binary));
  CHECK(std::filesystem::exists(run_dir + "/round-1/metrics.json"));
  std::ifstream problems(run_dir + "/round-1/problems.jsonl");
  long lines = 0;
  for (std::string line; std::getline(problems, line); ++lines) {
    const int level = nlohmann::json::parse(line)["difficulty"].get<int>();
    CHECK(level >= 3);
    CHECK(level <= 4);
  }
  CHECK(lines == 4);
  std::ifstream config(run_dir + "/config.json");
  const nlohmann::json resolved = nlohmann::json::parse(config);
  CHECK(resolved["difficulty"] == "3-4");
  CHECK(resolved["pair_weight"] == 0.5);
  // The round's sibling pairs (possibly none in so small a search) are exported and counted.
  CHECK(std::filesystem::exists(run_dir + "/round-1/pairs.jsonl"));
  std::ifstream metrics(run_dir + "/round-1/metrics.json");
  CHECK(nlohmann::json::parse(metrics).contains("pairs"));

  // Too little search to finish any solution: a clear refusal instead of training on nothing.
  const test::CommandResult empty = test::Run(test::Binary() + " evolve --run-dir " + dir.path() +
                                              "/empty --problems 2 --eval-problems 1 --steps 1 --data-iterations 1"
                                              " --threads 1 --rounds 1 --difficulty 8");
  CHECK(empty.exit_code == 2);
  CHECK(empty.output.find("reached no graded final answer in 2 problems") != std::string::npos);

  const test::CommandResult bad = test::Run(test::Binary() + " evolve --run-dir " + dir.path() + "/bad --difficulty 9");
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--difficulty") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/bad"));
}

TEST_CASE("evolve --launcher: the data search as shards through a launcher, a lost shard resubmitted, same rounds") {
  test::TempDir dir;
  // A stand-in for `sbatch --wait --array={indices} SCRIPT`: runs SCRIPT once per index with
  // SLURM_ARRAY_TASK_ID set, and loses shard 2 on its first call (a preempted task).
  const std::string fake = dir.Write("fake-array.sh",
                                     "indices=$1; script=$2; marker=$(dirname \"$0\")/launched-once\n"
                                     "for k in $(echo \"$indices\" | tr , ' '); do\n"
                                     "  if [ ! -e \"$marker\" ] && [ \"$k\" = 2 ]; then continue; fi\n"
                                     "  SLURM_ARRAY_TASK_ID=$k sh \"$script\" || exit 1\n"
                                     "done\n"
                                     "touch \"$marker\"\n");
  const std::string common = " --problems 6 --eval-problems 4 --steps 2 --data-iterations 5 --threads 1 --rounds 1 --json";
  const test::CommandResult plain = test::Run(test::Binary() + " evolve --run-dir " + dir.path() + "/plain" + common);
  REQUIRE_MESSAGE(plain.exit_code == 0, plain.output);
  const test::CommandResult sharded = test::Run(test::Binary() + " evolve --run-dir " + dir.path() + "/sharded" +
                                                common + " --shards 3 --launcher 'sh " + fake + " {indices}'");
  REQUIRE_MESSAGE(sharded.exit_code == 0, sharded.output);
  CHECK(sharded.output.find("submitting shards 0,1,2") != std::string::npos);
  CHECK(sharded.output.find("submitting shards 2:") != std::string::npos);
  nlohmann::json a = test::LastJsonObject(plain.output)["rounds"], b = test::LastJsonObject(sharded.output)["rounds"];
  REQUIRE(a.size() == 2);
  REQUIRE(b.size() == 2);
  for (nlohmann::json* rounds : {&a, &b}) {
    for (nlohmann::json& round : *rounds) round.erase("model");
  }
  CHECK(a == b);
  std::ifstream plain_trees(dir.path() + "/plain/round-1/trees.jsonl"), sharded_trees(dir.path() + "/sharded/round-1/trees.jsonl");
  const std::string plain_text((std::istreambuf_iterator<char>(plain_trees)), std::istreambuf_iterator<char>());
  const std::string sharded_text((std::istreambuf_iterator<char>(sharded_trees)), std::istreambuf_iterator<char>());
  CHECK(!plain_text.empty());
  // The trees' provenance names the model folder, which lies in each run's own directory.
  std::string sharded_as_plain = sharded_text;
  for (size_t at = 0; (at = sharded_as_plain.find("/sharded/", at)) != std::string::npos;) {
    sharded_as_plain.replace(at, 9, "/plain/");
  }
  CHECK(plain_text == sharded_as_plain);
  CHECK(std::filesystem::exists(dir.path() + "/sharded/round-1/shards/trees.2.jsonl.shard.json"));

  // A launcher that never runs anything: evolve gives up after its retries and says which shards.
  const test::CommandResult stuck = test::Run(test::Binary() + " evolve --run-dir " + dir.path() + "/stuck" + common +
                                              " --shards 2 --launcher-retries 1 --launcher true");
  CHECK(stuck.exit_code == 3);
  CHECK(stuck.output.find("shards 0,1") != std::string::npos);
  CHECK(stuck.output.find("after 2 submissions") != std::string::npos);
}

TEST_CASE("evolve --history-rounds: which rounds' value paths each round trains on") {
  test::TempDir dir;
  const std::string common =
      " --problems 6 --eval-problems 1 --steps 1 --data-iterations 10 --difficulty 1-2 --threads 1 --rounds 3";
  const auto values = [](const std::string& run_dir, std::initializer_list<int> rounds) {
    std::string flags;
    for (int k : rounds) flags += " --values " + run_dir + "/round-" + std::to_string(k) + "/value.jsonl";
    return flags;
  };
  const auto trains = [](const test::CommandResult& run, const std::string& run_dir, int round,
                         const std::string& values) {
    return run.output.find(" --run-dir " + run_dir + "/round-" + std::to_string(round) + "/model" + values + "\n") !=
           std::string::npos;
  };
  // History 2: round 3 reads rounds 2 and 3, not round 1.
  const std::string two = dir.path() + "/two";
  const test::CommandResult run = test::Run(test::Binary() + " evolve --run-dir " + two + common + " --history-rounds 2");
  REQUIRE_MESSAGE(run.exit_code == 0, run.output);
  CHECK(trains(run, two, 1, values(two, {1})));
  CHECK(trains(run, two, 2, values(two, {1, 2})));
  CHECK(trains(run, two, 3, values(two, {2, 3})));
  std::ifstream config(two + "/config.json");
  CHECK(nlohmann::json::parse(config)["history_rounds"] == 2);
  CHECK(run.output.find(values(two, {1, 2, 3})) == std::string::npos);

  // A run directory remembers its history both ways: arithmetic's default (1, the key left
  // out) is refused in a history-2 directory, and a bad history before any work.
  const test::CommandResult other = test::Run(test::Binary() + " evolve --run-dir " + two + common);
  CHECK(other.exit_code == 2);
  CHECK(other.output.find("\"history_rounds\" (2, now absent)") != std::string::npos);
  CHECK(test::Run(test::Binary() + " evolve --run-dir " + dir.path() + "/bad" + common + " --history-rounds -1")
            .exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/bad"));

  // Countdown's default is every round so far.
  const std::string countdown = dir.path() + "/countdown";
  const test::CommandResult by_default =
      test::Run(test::Binary() + " evolve --family countdown --run-dir " + countdown +
                " --problems 6 --eval-problems 1 --steps 1 --data-iterations 10 --threads 1 --rounds 2");
  REQUIRE_MESSAGE(by_default.exit_code == 0, by_default.output);
  CHECK(trains(by_default, countdown, 2, values(countdown, {1, 2})));
  std::ifstream countdown_config(countdown + "/config.json");
  CHECK(nlohmann::json::parse(countdown_config)["history_rounds"] == 0);
}

TEST_CASE("evolve --data-temperature: each round's data search samples at it, recorded in config.json") {
  test::TempDir dir;
  const std::string run_dir = dir.path() + "/hot";
  const test::CommandResult run =
      test::Run(test::Binary() + " evolve --run-dir " + run_dir +
                " --problems 4 --eval-problems 1 --steps 1 --data-iterations 10 --difficulty 1-2 --threads 1 --rounds 1"
                " --data-temperature 1.5");
  REQUIRE_MESSAGE(run.exit_code == 0, run.output);
  CHECK(run.output.find("--terminal-reward gold") != std::string::npos);
  CHECK(run.output.find("--allow-untrained-value --temperature 1.500000 --output " + run_dir + "/round-1/trees.jsonl") !=
        std::string::npos);
  std::ifstream config(run_dir + "/config.json");
  CHECK(nlohmann::json::parse(config)["data_temperature"] == 1.5);
  // The trees record the temperature they were sampled at.
  std::ifstream trees(run_dir + "/round-1/trees.jsonl");
  std::string first;
  REQUIRE(std::getline(trees, first));
  CHECK(nlohmann::json::parse(first)["config"]["temperature"] == 1.5);
  CHECK(test::Run(test::Binary() + " evolve --run-dir " + dir.path() + "/cold --data-temperature 0").exit_code == 2);
}
