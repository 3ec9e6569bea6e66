#include "policy/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>

#include <unistd.h>

#include "datasets/input_error.h"
#include "datasets/progress.h"
#include "datasets/rng.h"
#include "policy/adamw.h"
#include "policy/blas_check.h"
#include "policy/gpt.h"
#include "policy/policy.h"
#include "policy/prompt.h"
#include "policy/tensor_io.h"

namespace steptree {
namespace {

constexpr long kIgnoreIndex = -100;
constexpr int kPadTarget = -1;

class SyntheticStream final : public ProblemStream {
 public:
  explicit SyntheticStream(SyntheticOptions options) : options_(options) {
    options_.split = ProblemSplit::kTrain;
  }
  Problem Get(long index) const override { return MakeSyntheticProblem(options_, index); }
  nlohmann::json Describe() const override {
    return {{"source", "synthetic"},
            {"seed", options_.seed},
            {"difficulty", std::to_string(options_.min_difficulty) + "-" +
                               std::to_string(options_.max_difficulty)},
            {"difficulty_weights", options_.difficulty_weights},
            {"word_problem_share", options_.word_problem_share},
            {"split", "train"}};
  }

 private:
  SyntheticOptions options_;
};

class FileStream final : public ProblemStream {
 public:
  FileStream(std::vector<Problem> problems, uint64_t seed, nlohmann::json description)
      : problems_(std::move(problems)), seed_(seed), description_(std::move(description)) {}
  Problem Get(long index) const override {
    const long n = static_cast<long>(problems_.size());
    const long epoch = index / n;
    if (epoch != cached_epoch_) {
      order_.resize(n);
      std::iota(order_.begin(), order_.end(), 0);
      Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(epoch)));
      for (long i = n - 1; i > 0; --i) std::swap(order_[i], order_[rng.Uniform(0, i)]);
      cached_epoch_ = epoch;
    }
    return problems_[order_[index % n]];
  }
  nlohmann::json Describe() const override { return description_; }

 private:
  std::vector<Problem> problems_;
  uint64_t seed_;
  nlohmann::json description_;
  mutable long cached_epoch_ = -1;  // single-threaded use only
  mutable std::vector<long> order_;
};

// One tokenised training example.
struct Example {
  std::vector<int> ids;
  size_t prompt_length;
};

std::optional<Example> Encode(const Tokenizer& tokenizer, const Problem& problem, int context) {
  if (problem.reference_steps.empty()) return std::nullopt;
  Example example;
  example.ids = EncodeSolution(tokenizer, problem.question, problem.reference_steps,
                               &example.prompt_length);
  if (static_cast<int>(example.ids.size()) > context + 1) return std::nullopt;
  return example;
}

// Inputs ids[:-1] and targets ids[1:], right-padded; targets in the prompt are ignored.
struct Batch {
  torch::Tensor inputs;   // int64 [B, T]
  torch::Tensor targets;  // int64 [B, T], kIgnoreIndex where no loss
  long real_tokens = 0;   // target positions that count
};

Batch Collate(const std::vector<const Example*>& rows, int pad_id) {
  size_t longest = 0;
  for (const Example* e : rows) longest = std::max(longest, e->ids.size() - 1);
  const long b = static_cast<long>(rows.size());
  const long t = static_cast<long>(longest);
  Batch batch;
  batch.inputs = torch::full({b, t}, pad_id, torch::kLong);
  batch.targets = torch::full({b, t}, kIgnoreIndex, torch::kLong);
  auto inputs = batch.inputs.accessor<int64_t, 2>();
  auto targets = batch.targets.accessor<int64_t, 2>();
  for (long r = 0; r < b; ++r) {
    const Example& e = *rows[r];
    for (size_t i = 0; i + 1 < e.ids.size(); ++i) {
      inputs[r][i] = e.ids[i];
      // Position i predicts token i+1; only solution tokens are targets.
      if (i + 1 >= e.prompt_length) {
        targets[r][i] = e.ids[i + 1];
        ++batch.real_tokens;
      }
    }
  }
  return batch;
}

// Pools of problems sorted by length and cut into token-budgeted batches.
class BatchPlanner {
 public:
  BatchPlanner(const ProblemStream& stream, const Tokenizer& tokenizer, const TrainOptions& options)
      : stream_(stream), tokenizer_(tokenizer), options_(options) {}

  // Positions the planner at (pool, batch-in-pool), as saved by a checkpoint.
  void Seek(long pool, long batch) {
    LoadPool(pool);
    next_batch_ = batch;
  }
  long pool() const { return pool_; }
  long next_batch() const { return next_batch_; }
  long skipped() const { return skipped_; }

  Batch Next() {
    // A pool can be empty when all its problems are unusable; a long run of them means the
    // data cannot train this model at all.
    for (int empty_pools = 0; pool_ < 0 || next_batch_ >= static_cast<long>(batches_.size());) {
      if (pool_ >= 0 && batches_.empty() && ++empty_pools > 8) {
        throw std::runtime_error(
            "no usable training sequence in 8 pools: every problem lacks reference steps or is "
            "longer than the context");
      }
      LoadPool(pool_ + 1);
      next_batch_ = 0;
    }
    return Collate(batches_[next_batch_++], tokenizer_.pad_id());
  }

 private:
  void LoadPool(long pool) {
    revisiting_ = pool <= highest_pool_;
    highest_pool_ = std::max(highest_pool_, pool);
    pool_ = pool;
    examples_.clear();
    batches_.clear();
    const long first = pool * options_.pool_size;
    for (long i = 0; i < options_.pool_size; ++i) {
      std::optional<Example> e = Encode(tokenizer_, stream_.Get(first + i), ContextOf());
      if (e) {
        examples_.push_back(std::move(*e));
      } else if (!revisiting_) {
        ++skipped_;
      }
    }
    std::vector<size_t> order(examples_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return examples_[a].ids.size() < examples_[b].ids.size();
    });
    std::vector<const Example*> current;
    size_t longest = 0;
    for (size_t index : order) {
      const Example& e = examples_[index];
      const size_t width = std::max(longest, e.ids.size() - 1);
      if (!current.empty() &&
          (static_cast<long>(width * (current.size() + 1)) > options_.batch_tokens ||
           static_cast<int>(current.size()) >= options_.max_batch_rows)) {
        batches_.push_back(current);
        current.clear();
        longest = 0;
      }
      current.push_back(&e);
      longest = std::max(longest, e.ids.size() - 1);
    }
    if (!current.empty()) batches_.push_back(current);
    Rng rng(DeriveSeed(options_.seed, 0xBA7C0000ull + static_cast<uint64_t>(pool)));
    for (long i = static_cast<long>(batches_.size()) - 1; i > 0; --i) {
      std::swap(batches_[i], batches_[rng.Uniform(0, i)]);
    }
  }
  int ContextOf() const { return context_; }

 public:
  int context_ = 256;

 private:
  const ProblemStream& stream_;
  const Tokenizer& tokenizer_;
  const TrainOptions& options_;
  long pool_ = -1;
  long next_batch_ = 0;
  long skipped_ = 0;         // problems left out (no steps / too long), each pool counted once
  long highest_pool_ = -1;
  bool revisiting_ = false;
  std::vector<Example> examples_;
  std::vector<std::vector<const Example*>> batches_;
};

double LearningRate(const TrainOptions& o, long step) {
  if (step < o.warmup_steps) return o.lr * static_cast<double>(step + 1) / o.warmup_steps;
  const double progress = std::min(
      1.0, static_cast<double>(step - o.warmup_steps) / std::max<long>(1, o.steps - o.warmup_steps));
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * progress));
  return o.lr * (o.min_lr_ratio + (1.0 - o.min_lr_ratio) * cosine);
}

torch::Tensor TokenLoss(GptImpl& model, const Batch& batch) {
  const GptOutput out = model.Forward(batch.inputs);
  const int64_t vocab = out.logits.size(-1);
  return torch::nn::functional::cross_entropy(
      out.logits.reshape({-1, vocab}), batch.targets.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnoreIndex));
}

double HeldoutLoss(GptImpl& model, const Tokenizer& tokenizer, const std::vector<Example>& heldout,
                   long batch_tokens) {
  if (heldout.empty()) return std::nan("");
  torch::NoGradGuard no_grad;
  model.eval();
  double total = 0;
  long tokens = 0;
  std::vector<const Example*> rows;
  size_t longest = 0;
  auto flush = [&] {
    if (rows.empty()) return;
    const Batch batch = Collate(rows, tokenizer.pad_id());
    total += TokenLoss(model, batch).item<double>() * batch.real_tokens;
    tokens += batch.real_tokens;
    rows.clear();
    longest = 0;
  };
  for (const Example& e : heldout) {
    longest = std::max(longest, e.ids.size());
    if (static_cast<long>(longest * (rows.size() + 1)) > batch_tokens) flush();
    rows.push_back(&e);
    longest = std::max(longest, e.ids.size());
  }
  flush();
  model.train();
  return total / std::max<long>(1, tokens);
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

std::vector<std::pair<std::string, torch::Tensor>> NamedParameters(GptImpl& model) {
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (const auto& item : model.named_parameters()) named.emplace_back(item.key(), item.value());
  return named;
}

}  // namespace

std::unique_ptr<ProblemStream> MakeSyntheticStream(SyntheticOptions options) {
  return std::make_unique<SyntheticStream>(options);
}

std::unique_ptr<ProblemStream> MakeFileStream(std::vector<Problem> problems, uint64_t seed,
                                              nlohmann::json description) {
  if (problems.empty()) throw std::invalid_argument("no training problems");
  return std::make_unique<FileStream>(std::move(problems), seed, std::move(description));
}

TrainResult TrainPolicy(const TrainOptions& options, const ProblemStream& train,
                        const std::vector<Problem>& heldout) {
  ConfigureTorchThreads(options.threads);
  WarnIfReferenceBlas();
  torch::manual_seed(options.seed);

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
  GptImpl& model = policy->model();
  model.train();
  const Tokenizer& tokenizer = policy->tokenizer();

  AdamWOptions adamw;
  adamw.weight_decay = options.weight_decay;
  AdamW optimizer(NamedParameters(model), adamw);
  if (resuming) {
    std::map<std::string, std::string> metadata;
    auto tensors = LoadTensorMap(options.out_dir + "/optimizer.safetensors", &metadata);
    optimizer.LoadState(tensors, std::stol(metadata.count("step") ? metadata["step"] : "0"));
  }
  std::vector<torch::Tensor> parameters;
  for (auto& [name, p] : NamedParameters(model)) parameters.push_back(p);

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

  BatchPlanner planner(train, tokenizer, options);
  planner.context_ = policy->config().context;
  if (resuming && state.pool >= 0) planner.Seek(state.pool, state.batch_in_pool);

  std::vector<Example> heldout_examples;
  for (const Problem& p : heldout) {
    if (auto e = Encode(tokenizer, p, policy->config().context)) heldout_examples.push_back(*e);
  }
  if (heldout_examples.empty()) {
    std::cerr << "train-policy: no usable held-out problem (none has reference steps that fit "
                 "the context); held-out loss will be null\n";
  }
  if (options.resume && !resuming) {
    std::cerr << "train-policy: --resume: no " << state_path << ", starting a new run\n";
  }

  TrainResult result;
  Progress progress("train-policy");
  double interval_loss = 0;
  long interval_batches = 0;
  double last_heldout = std::nan("");
  char detail[160] = "";
  const long first_step = state.step;
  for (long step = state.step; step < options.steps; ++step) {
    const Batch batch = planner.Next();
    optimizer.ZeroGrad();
    torch::Tensor loss = TokenLoss(model, batch);
    loss.backward();
    ClipGradNorm(parameters, options.grad_clip);
    optimizer.Step(LearningRate(options, step));

    interval_loss += loss.item<double>();
    ++interval_batches;
    result.tokens += batch.real_tokens;
    state = {step + 1, planner.pool(), planner.next_batch()};
    const double elapsed = progress.ElapsedSeconds();

    const bool last = step + 1 == options.steps ||
                      (options.max_minutes > 0 && elapsed > options.max_minutes * 60) ||
                      (options.stop_after_steps > 0 && step + 1 - first_step >= options.stop_after_steps);
    if ((options.eval_every > 0 && (step + 1) % options.eval_every == 0) || last) {
      last_heldout = HeldoutLoss(model, tokenizer, heldout_examples, options.batch_tokens);
      result.train_loss = interval_loss / std::max<long>(1, interval_batches);
      std::fprintf(stderr, "%sstep %ld  train loss %.4f  held-out loss %.4f  %.0f tokens/s\n",
                   isatty(2) ? "\n" : "", step + 1, result.train_loss, last_heldout,
                   result.tokens / std::max(1e-9, elapsed));
      interval_loss = 0;
      interval_batches = 0;
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
  result.heldout_loss = last_heldout;
  result.seconds = progress.ElapsedSeconds();
  result.tokens_per_second = result.tokens / std::max(1e-9, result.seconds);
  result.skipped_too_long = planner.skipped();
  progress.Finish(detail);
  return result;
}

}  // namespace steptree
