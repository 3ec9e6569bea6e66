#include "sweep/sweep_points.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "core/input_error.h"
#include "core/jsonl.h"
#include "core/rng.h"
#include "mcts/tree_json.h"
#include "search/rollouts.h"
#include "sweep/confidence.h"

namespace steptree {
namespace {

// What a point needs of one problem's tree record.
struct ProblemRecord {
  std::string id;
  std::optional<bool> correct;
  Budget budget;
  // maj / bon: the trie of solutions and the samples in order.
  std::optional<Tree> tree;
  std::vector<SampleOutcome> samples;
  // mcts: checkpoint iteration -> (correct, budget at the checkpoint)
  std::map<int, std::pair<std::optional<bool>, Budget>> checkpoints;
};

std::optional<bool> OptionalBool(const nlohmann::json& value) {
  return value.is_boolean() ? std::optional<bool>(value.get<bool>()) : std::nullopt;
}

// A record's budget (core/step.h BudgetFromJson); a malformed one names the record's line.
Budget ReadBudget(const nlohmann::json& json, const RecordContext& where) {
  try {
    return BudgetFromJson(json);
  } catch (const std::invalid_argument& e) {
    throw InputError(where.file, where.line, std::string("a tree record whose ") + e.what());
  }
}

ProblemRecord ReadRecord(const nlohmann::json& record, SearchMode mode, const RecordContext& where) {
  ProblemRecord out;
  out.id = RequireString(record, "id", where);
  out.correct = OptionalBool(record.value("correct", nlohmann::json()));
  out.budget = ReadBudget(RequireField(record, "budget", where), where);
  if (mode == SearchMode::kMajority || mode == SearchMode::kBestOfN) {
    try {
      out.tree = TreeFromJson(RequireField(record, "tree", where));
    } catch (const std::runtime_error& e) {
      throw InputError(where.file, where.line, std::string("a valid \"tree\": ") + e.what());
    }
    std::map<std::string, int> index_of_tag;
    for (int i = 0; i < out.tree->size(); ++i) index_of_tag[out.tree->Tag(i)] = i;
    const nlohmann::json& samples = RequireField(record, "samples", where);
    if (!samples.is_array()) throw InputError(where.file, where.line, "\"samples\" to be an array");
    for (const nlohmann::json& s : samples) {
      SampleOutcome sample;
      if (!s.is_object()) throw InputError(where.file, where.line, "every sample to be an object");
      if (s.contains("tag") && s["tag"].is_string()) {
        const auto it = index_of_tag.find(s["tag"].get<std::string>());
        if (it == index_of_tag.end()) throw InputError(where.file, where.line, "sample tags that name tree nodes");
        sample.leaf = it->second;
      }
      sample.generated_tokens = s.value("tokens", 0L);
      sample.final_value = s.value("value", 0.0);
      sample.answered = s.value("answered", false) && sample.leaf >= 0 && out.tree->node(sample.leaf).answer.has_value();
      out.samples.push_back(sample);
    }
  }
  if (mode == SearchMode::kMcts) {
    const nlohmann::json& by_iteration = RequireField(record, "answer_by_iteration", where);
    for (const nlohmann::json& entry : by_iteration) {
      if (!entry.is_object() || !entry.contains("iteration") || !entry["iteration"].is_number_integer()) {
        throw InputError(where.file, where.line, "answer_by_iteration entries with an integer \"iteration\"");
      }
      out.checkpoints[entry["iteration"].get<int>()] = {OptionalBool(entry.value("correct", nlohmann::json())),
                                                        ReadBudget(entry.value("budget", nlohmann::json::object()), where)};
    }
  }
  return out;
}

// A point's per-problem figures.
struct ProblemScore {
  std::optional<double> score;  // in [0, 1]; none without a gold answer
  double tokens = 0, calls = 0, nodes = 0;
};

std::optional<double> Score(std::optional<bool> correct) {
  return correct ? std::optional<double>(*correct ? 1.0 : 0.0) : std::nullopt;
}

// The nodes a run of only these samples would have grown: the union of their root paths.
long NodesOnPaths(const Tree& tree, const std::vector<SampleOutcome>& samples) {
  std::vector<bool> seen(static_cast<size_t>(tree.size()), false);
  long count = 1;  // the root
  seen[0] = true;
  for (const SampleOutcome& sample : samples) {
    for (int node = sample.leaf; node > 0 && !seen[static_cast<size_t>(node)]; node = tree.node(node).parent) {
      seen[static_cast<size_t>(node)] = true;
      ++count;
    }
  }
  return count;
}

// maj@k / best-of-k from random k-subsets of a problem's K samples.
ProblemScore SubsetScore(const ProblemRecord& r, SearchMode mode, int k, int subsets, uint64_t seed) {
  ProblemScore score;
  const int total = static_cast<int>(r.samples.size());
  if (total == 0) return {r.correct ? std::optional<double>(0.0) : std::nullopt, 0, 0, 0};
  const int size = std::min(k, total);
  Rng rng(DeriveSeed(seed, HashString(r.id + "/subset/" + std::to_string(k))));
  std::vector<int> order(static_cast<size_t>(total));
  double correct = 0, tokens = 0, calls = 0, nodes = 0;
  for (int s = 0; s < subsets; ++s) {
    std::iota(order.begin(), order.end(), 0);
    for (int i = 0; i < size; ++i) std::swap(order[i], order[static_cast<size_t>(rng.Uniform(i, total - 1))]);
    std::vector<int> chosen(order.begin(), order.begin() + size);
    std::sort(chosen.begin(), chosen.end());  // sample order: ties break as in a real run
    std::vector<SampleOutcome> subset;
    long longest = 0;
    for (int j : chosen) {
      subset.push_back(r.samples[static_cast<size_t>(j)]);
      tokens += static_cast<double>(subset.back().generated_tokens);
      longest = std::max(longest, subset.back().generated_tokens);
    }
    calls += 1.0 + static_cast<double>(longest);
    nodes += static_cast<double>(NodesOnPaths(*r.tree, subset));
    const int leaf = mode == SearchMode::kMajority ? ChooseByMajority(*r.tree, subset) : ChooseByBestValue(subset);
    correct += leaf >= 0 && r.tree->node(leaf).correct.value_or(false);
  }
  if (r.correct.has_value()) score.score = correct / subsets;
  score.tokens = tokens / subsets;
  score.calls = calls / subsets;
  score.nodes = nodes / subsets;
  return score;
}

ProblemScore PointScore(const ProblemRecord& r, const SweepRun& run, const SweepPointSpec& spec, int subsets,
                        uint64_t seed, const RecordContext& where) {
  switch (spec.source) {
    case SweepPointSpec::Source::kRun:
      return {Score(r.correct), static_cast<double>(r.budget.generated_tokens),
              static_cast<double>(r.budget.forward_calls), static_cast<double>(r.budget.nodes)};
    case SweepPointSpec::Source::kSubset:
      return SubsetScore(r, run.config.mode, spec.budget, subsets, seed);
    case SweepPointSpec::Source::kCheckpoint: {
      const auto it = r.checkpoints.find(spec.budget);
      if (it == r.checkpoints.end()) {
        // The tree had no room to reach this iteration (e.g. the question filled the
        // context): the run's final state is the state at every checkpoint.
        return {Score(r.correct), static_cast<double>(r.budget.generated_tokens),
                static_cast<double>(r.budget.forward_calls), static_cast<double>(r.budget.nodes)};
      }
      const auto& [correct, budget] = it->second;
      return {Score(r.correct.has_value() ? std::optional<bool>(correct.value_or(false)) : std::nullopt),
              static_cast<double>(budget.generated_tokens), static_cast<double>(budget.forward_calls),
              static_cast<double>(budget.nodes)};
    }
  }
  throw std::logic_error("sweep: unknown point source");
}

const char* SourceName(SweepPointSpec::Source source) {
  switch (source) {
    case SweepPointSpec::Source::kRun: return "run";
    case SweepPointSpec::Source::kSubset: return "subsets";
    case SweepPointSpec::Source::kCheckpoint: return "checkpoint";
  }
  return "run";
}

}  // namespace

std::vector<SweepPoint> MeasureRunPoints(const SweepRun& run, const std::string& trees_path,
                                         std::optional<double> seconds_per_problem, int subsets, int bootstrap,
                                         uint64_t seed) {
  std::vector<ProblemRecord> records;
  JsonlReader reader(trees_path);
  nlohmann::json record;
  while (reader.Next(&record)) {
    const RecordContext where{trees_path, reader.line_number()};
    if (!record.is_object()) throw InputError(trees_path, reader.line_number(), "a tree record object");
    records.push_back(ReadRecord(record, run.config.mode, where));
  }
  double run_tokens = 0;
  for (const ProblemRecord& r : records) run_tokens += static_cast<double>(r.budget.generated_tokens);

  std::vector<SweepPoint> points;
  for (const SweepPointSpec& spec : run.points) {
    SweepPoint point;
    point.spec = spec;
    point.run = run.name;
    point.n = static_cast<long>(records.size());
    std::vector<double> scores;
    double tokens = 0, calls = 0, nodes = 0;
    for (const ProblemRecord& r : records) {
      const ProblemScore s = PointScore(r, run, spec, subsets, seed, RecordContext{trees_path, 0});
      if (s.score) scores.push_back(*s.score);
      tokens += s.tokens;
      calls += s.calls;
      nodes += s.nodes;
    }
    const double n = std::max<double>(1.0, static_cast<double>(records.size()));
    point.graded = static_cast<long>(scores.size());
    if (!scores.empty()) {
      point.accuracy = std::accumulate(scores.begin(), scores.end(), 0.0) / static_cast<double>(scores.size());
      const Interval ci = BootstrapInterval(scores, bootstrap, DeriveSeed(seed, HashString(spec.label)));
      point.ci_low = ci.low;
      point.ci_high = ci.high;
    }
    point.tokens_per_problem = tokens / n;
    point.forward_calls_per_problem = calls / n;
    point.nodes_per_problem = nodes / n;
    if (seconds_per_problem) {
      point.seconds_per_problem =
          run_tokens > 0 ? *seconds_per_problem * tokens / run_tokens : *seconds_per_problem;
    }
    points.push_back(std::move(point));
  }
  return points;
}

nlohmann::ordered_json PointToJson(const SweepPoint& p) {
  nlohmann::ordered_json json;
  json["curve"] = p.spec.curve;
  json["label"] = p.spec.label;
  json["mode"] = p.spec.mode;
  json["budget"] = p.spec.budget;
  json["source"] = SourceName(p.spec.source);
  json["run"] = p.run;
  json["n"] = p.n;
  json["graded"] = p.graded;
  json["accuracy"] = p.accuracy ? nlohmann::ordered_json(*p.accuracy) : nlohmann::ordered_json(nullptr);
  json["ci_low"] = p.ci_low;
  json["ci_high"] = p.ci_high;
  json["tokens_per_problem"] = p.tokens_per_problem;
  json["forward_calls_per_problem"] = p.forward_calls_per_problem;
  json["nodes_per_problem"] = p.nodes_per_problem;
  json["seconds_per_problem"] =
      p.seconds_per_problem ? nlohmann::ordered_json(*p.seconds_per_problem) : nlohmann::ordered_json(nullptr);
  return json;
}

SweepPoint PointFromJson(const nlohmann::json& json) {
  SweepPoint p;
  p.spec.curve = json.at("curve").get<std::string>();
  p.spec.label = json.at("label").get<std::string>();
  p.spec.mode = json.at("mode").get<std::string>();
  p.spec.budget = json.at("budget").get<int>();
  const std::string source = json.at("source").get<std::string>();
  p.spec.source = source == "subsets"      ? SweepPointSpec::Source::kSubset
                  : source == "checkpoint" ? SweepPointSpec::Source::kCheckpoint
                                           : SweepPointSpec::Source::kRun;
  p.run = json.at("run").get<std::string>();
  p.n = json.at("n").get<long>();
  p.graded = json.at("graded").get<long>();
  if (json.at("accuracy").is_number()) p.accuracy = json["accuracy"].get<double>();
  p.ci_low = json.at("ci_low").get<double>();
  p.ci_high = json.at("ci_high").get<double>();
  p.tokens_per_problem = json.at("tokens_per_problem").get<double>();
  p.forward_calls_per_problem = json.at("forward_calls_per_problem").get<double>();
  p.nodes_per_problem = json.at("nodes_per_problem").get<double>();
  if (json.at("seconds_per_problem").is_number()) p.seconds_per_problem = json["seconds_per_problem"].get<double>();
  return p;
}

}  // namespace steptree
