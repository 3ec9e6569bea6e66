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
                                                          int threads) {
  const std::string dir = work_dir + "/";
  const std::string t = std::to_string(threads);
  auto mcts_data = [&](const std::string& model, const std::string& round) -> std::vector<std::string> {
    return {"search", "--model", model, "--data", dir + round + "-problems.jsonl", "--mode", "mcts",
            "--terminal-reward", "gold", "--allow-untrained-value", "--out", dir + round + "-trees.jsonl",
            "--value-targets", dir + round + "-value-paths.jsonl", "--resume", "--threads", t};
  };
  return {
      {"gen-problems", "-n", kSftProblems, "--split", "train", "--seed", kSftProblemSeed, "-o", dir + "sft.jsonl"},
      {"gen-problems", "-n", kRound1Problems, "--split", "train", "--seed", kRound1Seed, "-o",
       dir + "round1-problems.jsonl"},
      mcts_data(init_dir, "round1"),
      {"train", "--init", init_dir, "--values", dir + "round1-value-paths.jsonl", "--sft", dir + "sft.jsonl",
       "--alpha", kAlpha, "--lr", kRound1LearningRate, "--steps", kRound1Steps, "--threads", t, "--resume", "-o",
       dir + "round1-model"},
      {"gen-problems", "-n", kRound2Problems, "--split", "train", "--seed", kRound2Seed, "--difficulty",
       kRound2Levels, "-o", dir + "round2-problems.jsonl"},
      mcts_data(dir + "round1-model", "round2"),
      {"train", "--init", init_dir, "--values", dir + "round1-value-paths.jsonl", "--values",
       dir + "round2-value-paths.jsonl", "--sft", dir + "sft.jsonl", "--alpha", kAlpha, "--lr", kRound2LearningRate,
       "--steps", kRound2Steps, "--threads", t, "--resume", "-o", dir + "model"},
  };
}

std::string RunValueRecipe(const std::string& init_dir, const std::string& work_dir, int threads) {
  std::filesystem::create_directories(work_dir);
  for (const std::vector<std::string>& line : ValueRecipeCommands(init_dir, work_dir, threads)) {
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
