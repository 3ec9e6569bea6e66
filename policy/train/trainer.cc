// The training loop shared by train-policy and train (policy/train/trainer.h).
#include "policy/train/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>

#include <unistd.h>

#include "core/input_error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "policy/train/adamw.h"
#include "policy/model/blas_check.h"
#include "policy/model/causal_lm.h"
#include "policy/policy.h"
#include "policy/text/prompt.h"
#include "policy/train/preference_loss.h"
#include "policy/train/teacher_forcing.h"
#include "policy/model/tensor_io.h"
#include "value/value_eval.h"
#include "value/value_head.h"

namespace steptree {
namespace {

// Key of the dropout stream of step s: DeriveSeed(seed, kDropoutStreamKey + s).
constexpr uint64_t kDropoutStreamKey = 0xD80F0000ull;

// 0..n-1 in a seeded random order (Fisher-Yates): one epoch's order of a data set.
std::vector<long> ShuffledOrder(long n, uint64_t seed) {
  std::vector<long> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  for (long i = n - 1; i > 0; --i) std::swap(order[i], order[rng.Uniform(0, i)]);
  return order;
}

class SyntheticStream final : public TrainingStream {
 public:
  explicit SyntheticStream(SyntheticOptions options) : options_(options) {
    options_.split = ProblemSplit::kTrain;
  }
  TrainingPath Get(long index) const override {
    return SftTrainingPath(MakeSyntheticProblem(options_, index));
  }
  nlohmann::json Describe() const override {
    nlohmann::json description = {{"source", "synthetic"},
                                  {"seed", options_.seed},
                                  {"difficulty", std::to_string(options_.min_difficulty) + "-" +
                                                     std::to_string(options_.max_difficulty)},
                                  {"difficulty_weights", options_.difficulty_weights},
                                  {"word_problem_share", options_.word_problem_share},
                                  {"split", "train"}};
    if (options_.family != ProblemFamily::kArithmetic) description["family"] = ProblemFamilyName(options_.family);
    return description;
  }

 private:
  SyntheticOptions options_;
};

class FileStream final : public TrainingStream {
 public:
  FileStream(std::vector<TrainingPath> paths, uint64_t seed, nlohmann::json description)
      : paths_(std::move(paths)), seed_(seed), description_(std::move(description)) {}
  TrainingPath Get(long index) const override {
    const long n = static_cast<long>(paths_.size());
    const long epoch = index / n;
    if (epoch != cached_epoch_) {
      order_ = ShuffledOrder(n, DeriveSeed(seed_, static_cast<uint64_t>(epoch)));
      cached_epoch_ = epoch;
    }
    return paths_[order_[index % n]];
  }
  nlohmann::json Describe() const override { return description_; }

 private:
  std::vector<TrainingPath> paths_;
  uint64_t seed_;
  nlohmann::json description_;
  mutable long cached_epoch_ = -1;  // single-threaded use only
  mutable std::vector<long> order_;
};

// Pools of paths sorted by length and cut into token-budgeted batches.
class BatchPlanner {
 public:
  BatchPlanner(const TrainingStream& stream, const PromptFormat& format, const TrainOptions& options,
               int context)
      : stream_(stream), format_(format), options_(options), context_(context) {}

  // Positions the planner at (pool, batch-in-pool), as saved by a checkpoint.
  void Seek(long pool, long batch) {
    LoadPool(pool);
    next_batch_ = batch;
  }
  long pool() const { return pool_; }
  long next_batch() const { return next_batch_; }
  long skipped() const { return skipped_; }

  TokenBatch Next() {
    // A pool can be empty when all its paths are unusable; a long run of them means the
    // data cannot train this model at all.
    for (int empty_pools = 0; pool_ < 0 || next_batch_ >= static_cast<long>(batches_.size());) {
      if (pool_ >= 0 && batches_.empty() && ++empty_pools > 8) {
        throw std::runtime_error(
            "no usable training sequence in 8 pools: every path lacks steps, has nothing to learn "
            "or is longer than the context");
      }
      LoadPool(pool_ + 1);
      next_batch_ = 0;
    }
    return CollateBatch(batches_[next_batch_++], format_.tokenizer().pad_id());
  }

 private:
  void LoadPool(long pool) {
    const bool revisiting = pool <= highest_pool_;
    highest_pool_ = std::max(highest_pool_, pool);
    pool_ = pool;
    examples_.clear();
    const long first = pool * options_.pool_size;
    for (long i = 0; i < options_.pool_size; ++i) {
      TrainingPath path = stream_.Get(first + i);
      // A frozen backbone learns nothing from imitation.
      if (options_.freeze_backbone) path.imitate = false;
      std::optional<TrainingExample> e = EncodeTrainingPath(format_, path, context_);
      if (e) {
        examples_.push_back(std::move(*e));
      } else if (!revisiting) {
        ++skipped_;
      }
    }
    std::vector<const TrainingExample*> by_length;
    for (const TrainingExample& e : examples_) by_length.push_back(&e);
    std::stable_sort(by_length.begin(), by_length.end(), [](const TrainingExample* a, const TrainingExample* b) {
      return a->ids.size() < b->ids.size();
    });
    batches_ = CutIntoBatches(by_length, options_.batch_tokens, options_.max_batch_rows);
    Rng rng(DeriveSeed(options_.seed, 0xBA7C0000ull + static_cast<uint64_t>(pool)));
    for (long i = static_cast<long>(batches_.size()) - 1; i > 0; --i) {
      std::swap(batches_[i], batches_[rng.Uniform(0, i)]);
    }
  }

  const TrainingStream& stream_;
  const PromptFormat& format_;
  const TrainOptions& options_;
  const int context_;
  long pool_ = -1;
  long next_batch_ = 0;
  long skipped_ = 0;  // paths left out (no steps / too long), each pool counted once
  long highest_pool_ = -1;
  std::vector<TrainingExample> examples_;  // the current pool; batches_ points into it
  std::vector<std::vector<const TrainingExample*>> batches_;
};

// The preference batch of every step: the encoded pairs reshuffled (seeded) each epoch, a
// step taking the next pairs_per_step of the stream. Depends on the step only, so a resumed
// run takes the same pairs.
class PreferenceSchedule {
 public:
  PreferenceSchedule(std::vector<PreferenceExample> pairs, uint64_t seed, int pairs_per_step)
      : pairs_(std::move(pairs)),
        seed_(seed),
        per_step_(std::min<long>(pairs_per_step, static_cast<long>(pairs_.size()))) {}

  std::vector<const PreferenceExample*> Batch(long step) {
    std::vector<const PreferenceExample*> batch;
    const long n = static_cast<long>(pairs_.size());
    for (long i = step * per_step_; i < (step + 1) * per_step_; ++i) {
      const long epoch = i / n;
      if (epoch != epoch_) {
        order_ = ShuffledOrder(n, DeriveSeed(seed_, 0x9A150000ull + static_cast<uint64_t>(epoch)));
        epoch_ = epoch;
      }
      batch.push_back(&pairs_[order_[i % n]]);
    }
    return batch;
  }

 private:
  std::vector<PreferenceExample> pairs_;
  uint64_t seed_;
  long per_step_;
  long epoch_ = -1;
  std::vector<long> order_;
};

// Encodes `pairs` for `policy`, counting those left out.
std::vector<PreferenceExample> EncodePreferences(const Policy& policy, const std::vector<StepPreference>& pairs,
                                                 long* skipped) {
  std::vector<PreferenceExample> encoded;
  for (const StepPreference& pair : pairs) {
    if (auto e = EncodeStepPreference(policy.prompt(), pair, policy.context())) {
      encoded.push_back(std::move(*e));
    } else {
      ++*skipped;
    }
  }
  return encoded;
}

double PairAccuracy(const std::vector<double>& margins) {
  if (margins.empty()) return std::nan("");
  const auto right = std::count_if(margins.begin(), margins.end(), [](double m) { return m > 0; });
  return static_cast<double>(right) / static_cast<double>(margins.size());
}

double LearningRate(const TrainOptions& o, long step) {
  if (step < o.warmup_steps) return o.lr * static_cast<double>(step + 1) / o.warmup_steps;
  const double progress = std::min(
      1.0, static_cast<double>(step - o.warmup_steps) / std::max<long>(1, o.steps - o.warmup_steps));
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * progress));
  return o.lr * (o.min_lr_ratio + (1.0 - o.min_lr_ratio) * cosine);
}

// Held-out figures of the current model: CE over imitated paths, value MSE and AUC over
// paths with value targets.
struct HeldoutFigures {
  double token_loss = std::nan("");
  ValueReport values;
};

HeldoutFigures EvaluateHeldout(const Policy& policy, ValueHeadImpl* value_head,
                               const std::vector<TrainingExample>& heldout, long batch_tokens) {
  HeldoutFigures figures;
  if (heldout.empty()) return figures;
  const TeacherForcedPass pass =
      TeacherForce(policy.lm(), value_head, heldout, policy.tokenizer().pad_id(), batch_tokens);
  figures.token_loss = pass.token_loss;
  if (value_head != nullptr) {
    std::vector<PrefixValue> prefixes;
    long paths = 0;
    for (size_t i = 0; i < heldout.size(); ++i) {
      if (heldout[i].value_targets.empty()) continue;
      const std::vector<PrefixValue> of_path = PathPrefixValues(heldout[i].value_targets, pass.values[i]);
      prefixes.insert(prefixes.end(), of_path.begin(), of_path.end());
      ++paths;
    }
    figures.values = ScorePrefixValues(prefixes, paths);
  }
  return figures;
}

struct TrainerState {
  long step = 0;
  long pool = -1;
  long batch_in_pool = 0;
};

void SaveAll(const Policy& policy, const AdamW& optimizer, const TrainOptions& options,
             const TrainerState& state, const nlohmann::json& recipe) {
  policy.Save(options.out_dir, recipe);
  SaveTensorMap(options.out_dir + "/optimizer.safetensors", optimizer.StateTensors(),
                {{"step", std::to_string(optimizer.steps_taken())}});
  const std::string path = options.out_dir + "/trainer_state.json";
  {
    std::ofstream out(path + ".tmp");
    out << nlohmann::json{{"step", state.step},
                          {"pool", state.pool},
                          {"batch_in_pool", state.batch_in_pool},
                          {"recipe", recipe}}
               .dump(2)
        << "\n";
  }
  std::filesystem::rename(path + ".tmp", path);
}

void AppendNamedParameters(torch::nn::Module& module, std::vector<std::pair<std::string, torch::Tensor>>* named) {
  for (const auto& item : module.named_parameters()) named->emplace_back(item.key(), item.value());
}

nlohmann::json Recipe(const TrainOptions& options, const TrainingStream& train, bool with_preferences) {
  nlohmann::json recipe = {{"seed", options.seed},
                           {"steps", options.steps},
                           {"batch_tokens", options.batch_tokens},
                           {"max_batch_rows", options.max_batch_rows},
                           {"pool_size", options.pool_size},
                           {"lr", options.lr},
                           {"min_lr_ratio", options.min_lr_ratio},
                           {"warmup_steps", options.warmup_steps},
                           {"weight_decay", options.weight_decay},
                           {"grad_clip", options.grad_clip},
                           {"data", train.Describe()}};
  // Only value runs record the value settings: an SFT recipe stays what it always was.
  if (options.train_value_head) {
    recipe["value_head"] = {{"alpha", options.value_alpha}, {"freeze_backbone", options.freeze_backbone}};
  }
  if (with_preferences) {
    recipe["step_preferences"] = {{"weight", options.preference_weight},
                                  {"beta", options.preference_beta},
                                  {"pairs_per_step", options.preference_pairs_per_step}};
  }
  return recipe;
}

// Running means of the losses over an eval interval.
struct IntervalLosses {
  double token_sum = 0, value_sum = 0, preference_sum = 0;
  long token_batches = 0, value_batches = 0, preference_batches = 0;
  void AddPreference(const PreferenceForward& forward) {
    preference_sum += forward.loss.item<double>();
    ++preference_batches;
  }
  void Add(const BatchForward& forward) {
    if (forward.token_loss.defined()) {
      token_sum += forward.token_loss.item<double>();
      ++token_batches;
    }
    if (forward.value_loss.defined()) {
      value_sum += forward.value_loss.item<double>();
      ++value_batches;
    }
  }
  double token_mean() const { return token_batches ? token_sum / token_batches : std::nan(""); }
  double value_mean() const { return value_batches ? value_sum / value_batches : std::nan(""); }
  double preference_mean() const { return preference_batches ? preference_sum / preference_batches : std::nan(""); }
};

}  // namespace

torch::Tensor TrainingLoss(const BatchForward& forward, double value_alpha, bool freeze_backbone) {
  // Every example of a batch has imitated tokens or value targets (EncodeTrainingPath).
  if (!forward.token_loss.defined() && !forward.value_loss.defined()) {
    throw std::logic_error("TrainingLoss: a batch without targets");
  }
  if (freeze_backbone) return forward.value_loss;
  if (!forward.value_loss.defined()) return forward.token_loss;
  const torch::Tensor weighted_value = forward.value_loss * value_alpha;
  return forward.token_loss.defined() ? forward.token_loss + weighted_value : weighted_value;
}

std::unique_ptr<TrainingStream> MakeSyntheticStream(SyntheticOptions options) {
  return std::make_unique<SyntheticStream>(options);
}

std::unique_ptr<TrainingStream> MakeFileStream(std::vector<TrainingPath> paths, uint64_t seed,
                                               nlohmann::json description) {
  if (paths.empty()) throw std::invalid_argument("no training paths");
  return std::make_unique<FileStream>(std::move(paths), seed, std::move(description));
}

TrainResult Train(const TrainOptions& options, const TrainingStream& train,
                  const std::vector<TrainingPath>& heldout, const PreferenceData* preferences) {
  if (options.freeze_backbone && !options.train_value_head) {
    throw std::invalid_argument("Train: freeze_backbone needs train_value_head");
  }
  if (preferences != nullptr && options.freeze_backbone) {
    throw std::invalid_argument("Train: step preferences train the policy, which a frozen backbone cannot");
  }
  ConfigureTorchThreads(options.threads);
  WarnIfReferenceBlas();
  const std::string& label = options.log_label;

  const std::string state_path = options.out_dir + "/trainer_state.json";
  TrainerState state;
  std::unique_ptr<Policy> policy;
  const bool resuming = options.resume && std::filesystem::exists(state_path);
  if (resuming) {
    policy = Policy::Load(options.out_dir);
    std::ifstream in(state_path);
    nlohmann::json saved;
    try {
      saved = nlohmann::json::parse(in);
      state.step = saved.at("step").get<long>();
      state.pool = saved.at("pool").get<long>();
      state.batch_in_pool = saved.at("batch_in_pool").get<long>();
    } catch (const nlohmann::json::exception& e) {
      throw InputError(state_path, 0, "a trainer state {step, pool, batch_in_pool}");
    }
  } else if (!options.init_dir.empty()) {
    policy = Policy::Load(options.init_dir);
  } else {
    policy = Policy::Create(options.config, options.seed);
  }
  std::filesystem::create_directories(options.out_dir);
  torch::nn::Module& model = policy->lm().module();
  // Invariant: value_head is non-null exactly when the head trains; then it is in train mode
  // (dropout on) and Save writes it.
  ValueHeadImpl* value_head = options.train_value_head ? &policy->value_head() : nullptr;
  if (options.freeze_backbone) {
    model.eval();
  } else {
    model.train();
    policy->set_backbone_trained(true);
  }
  if (value_head != nullptr) {
    value_head->train();
    policy->set_value_head_trained(true);
  }

  std::vector<std::pair<std::string, torch::Tensor>> named;
  if (!options.freeze_backbone) AppendNamedParameters(model, &named);
  if (value_head != nullptr) AppendNamedParameters(*value_head, &named);
  std::vector<torch::Tensor> parameters;
  for (const auto& [name, p] : named) parameters.push_back(p);
  AdamWOptions adamw;
  adamw.weight_decay = options.weight_decay;
  AdamW optimizer(named, adamw);
  if (resuming) {
    std::map<std::string, std::string> metadata;
    auto tensors = LoadTensorMap(options.out_dir + "/optimizer.safetensors", &metadata);
    optimizer.LoadState(tensors, std::stol(metadata.count("step") ? metadata["step"] : "0"));
  }

  TrainResult result;
  std::optional<PreferenceSchedule> pair_schedule;
  std::vector<PreferenceExample> heldout_pairs;
  if (preferences != nullptr) {
    std::vector<PreferenceExample> train_pairs = EncodePreferences(*policy, preferences->train, &result.skipped_pairs);
    heldout_pairs = EncodePreferences(*policy, preferences->heldout, &result.skipped_pairs);
    result.train_pairs = static_cast<long>(train_pairs.size());
    result.heldout_pairs = static_cast<long>(heldout_pairs.size());
    if (train_pairs.empty()) {
      std::cerr << label << ": no usable preference pair (each is too long or scores nothing); training without them\n";
    } else {
      pair_schedule.emplace(std::move(train_pairs), options.seed, options.preference_pairs_per_step);
      result.heldout_pair_accuracy_start = PairAccuracy(PreferenceMargins(
          policy->lm(), heldout_pairs, policy->tokenizer().pad_id(), options.preference_pairs_per_step));
    }
  }
  const nlohmann::json recipe = Recipe(options, train, pair_schedule.has_value());
  const int context = policy->context();
  BatchPlanner planner(train, policy->prompt(), options, context);
  if (resuming && state.pool >= 0) planner.Seek(state.pool, state.batch_in_pool);

  std::vector<TrainingExample> heldout_examples;
  for (const TrainingPath& path : heldout) {
    if (auto e = EncodeTrainingPath(policy->prompt(), path, context)) heldout_examples.push_back(std::move(*e));
  }
  if (heldout.empty()) {
    std::cerr << label << ": no held-out paths; held-out figures will be null\n";
  } else if (heldout_examples.empty()) {
    std::cerr << label << ": no usable held-out path (none has steps that fit the context); "
                 "held-out figures will be null\n";
  }
  if (options.resume && !resuming) {
    std::cerr << label << ": --resume: no " << state_path << ", starting a new run\n";
  }

  Progress progress(label);
  IntervalLosses interval;
  HeldoutFigures last_heldout;
  char detail[160] = "";
  const long first_step = state.step;
  for (long step = state.step; step < options.steps; ++step) {
    const TokenBatch batch = planner.Next();
    // Dropout masks depend on (seed, step) only, so a resumed run repeats them.
    torch::manual_seed(DeriveSeed(options.seed, kDropoutStreamKey + static_cast<uint64_t>(step)));
    optimizer.ZeroGrad();
    const BatchForward forward = ForwardBatch(policy->lm(), value_head, batch, !options.freeze_backbone);
    torch::Tensor loss = TrainingLoss(forward, options.value_alpha, options.freeze_backbone);
    if (pair_schedule) {
      const PreferenceForward pairs = ForwardPreferences(policy->lm(), pair_schedule->Batch(step),
                                                         options.preference_beta, policy->tokenizer().pad_id());
      loss = loss + options.preference_weight * pairs.loss;
      interval.AddPreference(pairs);
    }
    loss.backward();
    ClipGradNorm(parameters, options.grad_clip);
    optimizer.Step(LearningRate(options, step));

    interval.Add(forward);
    result.tokens += batch.target_tokens;
    result.value_targets += batch.value_count;
    state = {step + 1, planner.pool(), planner.next_batch()};
    const double elapsed = progress.ElapsedSeconds();

    const bool last = step + 1 == options.steps ||
                      (options.max_minutes > 0 && elapsed > options.max_minutes * 60) ||
                      (options.stop_after_steps > 0 && step + 1 - first_step >= options.stop_after_steps);
    if ((options.eval_every > 0 && (step + 1) % options.eval_every == 0) || last) {
      last_heldout = EvaluateHeldout(*policy, value_head, heldout_examples, options.batch_tokens);
      result.train_loss = interval.token_mean();
      result.value_loss = interval.value_mean();
      result.preference_loss = interval.preference_mean();
      std::fprintf(stderr, "%sstep %ld  train loss %.4f  held-out loss %.4f", isatty(2) ? "\n" : "", step + 1,
                   result.train_loss, last_heldout.token_loss);
      if (value_head != nullptr) {
        std::fprintf(stderr, "  value mse %.4f  held-out value mse %.4f  auc %.3f", result.value_loss,
                     last_heldout.values.mse, last_heldout.values.auc);
      }
      if (pair_schedule) {
        result.heldout_pair_accuracy = PairAccuracy(PreferenceMargins(
            policy->lm(), heldout_pairs, policy->tokenizer().pad_id(), options.preference_pairs_per_step));
        std::fprintf(stderr, "  pair loss %.4f  held-out pair accuracy %.3f", result.preference_loss,
                     result.heldout_pair_accuracy);
      }
      std::fprintf(stderr, "  %.0f tokens/s\n", result.tokens / std::max(1e-9, elapsed));
      interval = IntervalLosses();
    }
    if ((options.save_every > 0 && (step + 1) % options.save_every == 0) || last) {
      SaveAll(*policy, optimizer, options, state, recipe);
    }
    std::snprintf(detail, sizeof detail, "loss %.4f  lr %.2e  %.0f tokens/s", loss.item<double>(),
                  LearningRate(options, step), result.tokens / std::max(1e-9, elapsed));
    progress.Update(step + 1 - first_step, options.steps - first_step, detail);
    if (last) break;
  }
  result.steps_done = state.step;
  result.heldout_loss = last_heldout.token_loss;
  result.heldout_value_mse = last_heldout.values.mse;
  result.heldout_value_auc = last_heldout.values.auc;
  result.heldout_value_paths = last_heldout.values.n_paths;
  result.seconds = progress.ElapsedSeconds();
  result.tokens_per_second = result.tokens / std::max(1e-9, result.seconds);
  result.skipped_too_long = planner.skipped();
  progress.Finish(detail);
  return result;
}

TrainResult TrainPolicy(const TrainOptions& options, const TrainingStream& train,
                        const std::vector<Problem>& heldout) {
  return Train(options, train, SftTrainingPaths(heldout));
}

}  // namespace steptree
