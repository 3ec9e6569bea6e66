#include "app/default_model.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/input_error.h"

namespace steptree::app {
namespace {

bool IsCheckpoint(const std::filesystem::path& dir) {
  return std::filesystem::exists(dir / "config.json") &&
         std::filesystem::exists(dir / "model.safetensors");
}

}  // namespace

TrainOptions DefaultRecipe() {
  TrainOptions options;
  options.config.n_layer = 4;
  options.config.n_head = 4;
  options.config.d_model = 128;
  options.config.d_ff = 512;
  options.config.context = 512;
  options.config.positions = "rope";
  options.seed = 1;
  options.steps = 5400;
  options.batch_tokens = 4096;
  options.max_batch_rows = 256;
  options.pool_size = 2048;
  options.lr = 3e-3;
  options.min_lr_ratio = 0.05;
  options.warmup_steps = 100;
  options.weight_decay = 0.1;
  options.grad_clip = 1.0;
  options.eval_every = 250;
  options.save_every = 250;
  return options;
}

SyntheticOptions DefaultTrainingData() {
  SyntheticOptions data;
  data.seed = 1;
  data.min_difficulty = kMinDifficulty;
  data.max_difficulty = kMaxDifficulty;
  data.word_problem_share = 0.5;
  // Short problems are cheap and teach copying and arithmetic first: levels 1-2 get six
  // times the problems of levels 5-8.
  data.difficulty_weights = {6, 6, 2, 2, 1, 1, 1, 1};
  data.split = ProblemSplit::kTrain;
  return data;
}

TrainOptions CountdownRecipe() {
  TrainOptions options = DefaultRecipe();
  options.config.tool = "calculator";
  options.steps = 5000;
  return options;
}

SyntheticOptions CountdownTrainingData() {
  SyntheticOptions data;
  data.family = ProblemFamily::kCountdown;
  data.seed = 1;
  data.min_difficulty = kCountdownTrainMinLevel;
  data.max_difficulty = kCountdownTrainMaxLevel;
  // Level 1 (three small numbers) has fewer than a thousand distinct problems; the
  // four- and five-number levels carry the planning.
  data.difficulty_weights = {1, 2, 3, 3, 2};
  data.split = ProblemSplit::kTrain;
  return data;
}

TrainOptions RecipeFor(ProblemFamily family) {
  return family == ProblemFamily::kCountdown ? CountdownRecipe() : DefaultRecipe();
}

SyntheticOptions TrainingDataFor(ProblemFamily family) {
  return family == ProblemFamily::kCountdown ? CountdownTrainingData() : DefaultTrainingData();
}

std::string DefaultModelName(ProblemFamily family) {
  return family == ProblemFamily::kCountdown ? "countdown" : "default";
}

std::string FindDefaultModelDir(ProblemFamily family) {
  const std::string name = DefaultModelName(family);
  const char* variable = family == ProblemFamily::kCountdown ? "STEPTREE_COUNTDOWN_MODEL_DIR" : "STEPTREE_MODEL_DIR";
  if (const char* env = std::getenv(variable)) {
    if (IsCheckpoint(env)) return env;
  }
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    const std::filesystem::path beside =
        std::filesystem::path(exe).parent_path().parent_path() / "models" / name;
    if (IsCheckpoint(beside)) return beside.string();
  }
#ifdef STEPTREE_SOURCE_DIR_FOR_MODELS
  const std::filesystem::path source = std::filesystem::path(STEPTREE_SOURCE_DIR_FOR_MODELS) / "models" / name;
  if (IsCheckpoint(source)) return source.string();
#endif
  return "";
}

std::string RequireDefaultModelDir(ProblemFamily family) {
  std::string dir = FindDefaultModelDir(family);
  if (dir.empty()) {
    const std::string name = DefaultModelName(family);
    const std::string recipe = family == ProblemFamily::kCountdown ? "countdown" : "default";
    throw UsageError("no default model found (models/" + name + "/); pass --model DIR or train it with "
                     "`steptree train-policy --recipe " + recipe + " --run-dir models/" + name + "`");
  }
  return dir;
}

}  // namespace steptree::app
