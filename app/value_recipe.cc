// The value-head recipe as steptree commands (app/value_recipe.h).
#include "app/value_recipe.h"

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "app/command.h"

namespace steptree::app {
namespace {

// Round 1: MCTS with the untrained head on training problems of every level.
constexpr const char* kRound1Problems = "3000";
constexpr const char* kRound1Seed = "11";
// Round 2: MCTS with the round-1 checkpoint on the levels where answers are mixed.
constexpr const char* kRound2Problems = "2500";
constexpr const char* kRound2Seed = "13";
constexpr const char* kRound2Levels = "2-6";
// Reference solutions mixed into every training run: they keep the policy where it was.
constexpr const char* kSftProblems = "4000";
constexpr const char* kSftProblemSeed = "12";
// Joint training, both rounds from the default policy: AlphaMath's loss with alpha 1 (a
// 0.8M-parameter backbone has to learn features the head can read) at a sixth to a tenth
// of the policy's pre-training learning rate.
constexpr const char* kAlpha = "1.0";
constexpr const char* kRound1LearningRate = "3e-4";
constexpr const char* kRound1Steps = "1000";
constexpr const char* kRound2LearningRate = "5e-4";
constexpr const char* kRound2Steps = "2000";

}  // namespace

std::vector<std::vector<std::string>> ValueRecipeCommands(const std::string& init_dir, const std::string& work_dir,
                                                          int threads, ProblemFamily family) {
  const std::string dir = work_dir + "/";
  const std::string t = std::to_string(threads);
  const bool countdown = family == ProblemFamily::kCountdown;
  const std::string levels = countdown ? "1-5" : "1-8";
  // Countdown's rounds are smaller: its solutions are 2-5 steps and its terminals decide
  // more per tree (a move either keeps the target reachable or not).
  const std::string round1_problems = countdown ? "1500" : kRound1Problems;
  const std::string round2_problems = countdown ? "1200" : kRound2Problems;
  const std::string round1_steps = countdown ? "600" : kRound1Steps;
  const std::string round2_steps = countdown ? "1200" : kRound2Steps;
  const std::string round2_levels = countdown ? "2-5" : kRound2Levels;
  const std::string family_name = ProblemFamilyName(family);
  auto mcts_data = [&](const std::string& model, const std::string& round) -> std::vector<std::string> {
    return {"search", "--model", model, "--data", dir + round + "-problems.jsonl", "--mode", "mcts",
            "--terminal-reward", "gold", "--allow-untrained-value", "--output", dir + round + "-trees.jsonl",
            "--value-targets", dir + round + "-value-paths.jsonl", "--resume", "--threads", t};
  };
  return {
      {"gen-problems", "--family", family_name, "--difficulty", levels, "--problems", kSftProblems, "--split", "train",
       "--seed", kSftProblemSeed, "-o", dir + "sft.jsonl"},
      {"gen-problems", "--family", family_name, "--difficulty", levels, "--problems", round1_problems, "--split", "train",
       "--seed", kRound1Seed, "-o", dir + "round1-problems.jsonl"},
      mcts_data(init_dir, "round1"),
      {"train", "--init", init_dir, "--values", dir + "round1-value-paths.jsonl", "--sft", dir + "sft.jsonl",
       "--alpha", kAlpha, "--lr", kRound1LearningRate, "--steps", round1_steps, "--threads", t, "--resume",
       "--run-dir", dir + "round1-model"},
      {"gen-problems", "--family", family_name, "--problems", round2_problems, "--split", "train", "--seed", kRound2Seed,
       "--difficulty", round2_levels, "-o", dir + "round2-problems.jsonl"},
      mcts_data(dir + "round1-model", "round2"),
      {"train", "--init", init_dir, "--values", dir + "round1-value-paths.jsonl", "--values",
       dir + "round2-value-paths.jsonl", "--sft", dir + "sft.jsonl", "--alpha", kAlpha, "--lr", kRound2LearningRate,
       "--steps", round2_steps, "--threads", t, "--resume", "--run-dir", dir + "model"},
  };
}

std::string RunValueRecipe(const std::string& init_dir, const std::string& work_dir, int threads,
                           ProblemFamily family) {
  std::filesystem::create_directories(work_dir);
  for (const std::vector<std::string>& line : ValueRecipeCommands(init_dir, work_dir, threads, family)) {
    std::cerr << "value recipe: steptree";
    for (const std::string& word : line) std::cerr << " " << word;
    std::cerr << "\n";
    const Command* command = FindCommand(line.front());
    if (command == nullptr) throw std::logic_error("value recipe: no command " + line.front());
    if (const int rc = RunCommand(*command, {line.begin() + 1, line.end()}); rc != 0) {
      throw std::runtime_error("value recipe: steptree " + line.front() + " exited with " + std::to_string(rc));
    }
  }
  return work_dir + "/model";
}

}  // namespace steptree::app
