// The value-head recipe as steptree commands (app/value_recipe.h).
#include "app/value_recipe.h"

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "app/command.h"

namespace steptree::app {
namespace {

// Training problems searched for value targets, and reference solutions mixed in.
constexpr const char* kSearchProblems = "3000";
constexpr const char* kSearchProblemSeed = "11";
constexpr const char* kSftProblems = "4000";
constexpr const char* kSftProblemSeed = "12";
// Joint training: AlphaMath's loss with a larger value weight (a 0.8M-parameter backbone
// must learn to check arithmetic for the head to read it) at a tenth of the policy's
// pre-training learning rate, so the policy stays where it was.
constexpr const char* kAlpha = "1.0";
constexpr const char* kLearningRate = "3e-4";
constexpr const char* kSteps = "1000";

int RunCommandLine(const std::vector<std::string>& line) {
  for (const Command& command : Commands()) {
    if (command.name != line.front()) continue;
    std::vector<std::string> words = line;
    words.front() = "steptree " + line.front();
    std::vector<char*> argv;
    for (std::string& word : words) argv.push_back(word.data());
    return command.run(static_cast<int>(argv.size()), argv.data());
  }
  throw std::logic_error("value recipe: no command " + line.front());
}

}  // namespace

std::vector<std::vector<std::string>> ValueRecipeCommands(const std::string& init_dir, const std::string& work_dir,
                                                          int threads) {
  const std::string dir = work_dir + "/";
  const std::string t = std::to_string(threads);
  return {
      {"gen-problems", "-n", kSearchProblems, "--split", "train", "--seed", kSearchProblemSeed, "-o",
       dir + "search-problems.jsonl"},
      {"gen-problems", "-n", kSftProblems, "--split", "train", "--seed", kSftProblemSeed, "-o", dir + "sft.jsonl"},
      {"search", "--model", init_dir, "--data", dir + "search-problems.jsonl", "--mode", "mcts", "--terminal-reward",
       "gold", "--allow-untrained-value", "--out", dir + "trees.jsonl", "--value-targets", dir + "value-paths.jsonl",
       "--resume", "--threads", t},
      {"train", "--init", init_dir, "--values", dir + "value-paths.jsonl", "--sft", dir + "sft.jsonl", "--alpha",
       kAlpha, "--lr", kLearningRate, "--steps", kSteps, "--threads", t, "--resume", "-o", dir + "model"},
  };
}

std::string RunValueRecipe(const std::string& init_dir, const std::string& work_dir, int threads) {
  std::filesystem::create_directories(work_dir);
  for (const std::vector<std::string>& line : ValueRecipeCommands(init_dir, work_dir, threads)) {
    std::cerr << "value recipe: steptree";
    for (const std::string& word : line) std::cerr << " " << word;
    std::cerr << "\n";
    if (const int rc = RunCommandLine(line); rc != 0) {
      throw std::runtime_error("value recipe: steptree " + line.front() + " exited with " + std::to_string(rc));
    }
  }
  return work_dir + "/model";
}

}  // namespace steptree::app
