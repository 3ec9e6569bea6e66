// `inspect` on whole JSON documents and run directories (app/inspect.h): a shard manifest
// (search/shard.h), sweep results.json (sweep/sweep_report.h), a sweep config (resolved
// config.json or a config written by hand: checked and expanded as `sweep` does), a sweep
// run's runs/NAME.json, evolve's config.json and round-K/metrics.json, a `--json` summary
// of any command (told apart by its keys), or any other JSON ("json": its type and keys);
// and sweep and evolve run directories (what is there, what is done).
#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/inspect.h"
#include "core/input_error.h"
#include "core/json_file.h"
#include "search/shard.h"
#include "sweep/sweep_points.h"
#include "sweep/sweep_report.h"
#include "sweep/sweep_spec.h"

namespace steptree::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool HasKeys(const json& doc, const std::vector<const char*>& keys) {
  if (!doc.is_object()) return false;
  for (const char* key : keys) {
    if (!doc.contains(key)) return false;
  }
  return true;
}

// The command whose `--json` summary `doc` is, by its keys ("" when none):
// docs/formats.md "JSON summaries".
std::string SummaryCommand(const json& doc) {
  struct Signature {
    const char* command;
    std::vector<const char*> keys;
    size_t exact_size;  // 0: any number of keys
  };
  static const Signature signatures[] = {
      {"inspect", {"path", "kind"}, 0},
      {"merge", {"mode", "shards", "missing_shards", "missing_problems"}, 0},
      {"search", {"mode", "searched", "resumed", "solved_share", "config", "out"}, 0},
      {"eval", {"accuracy", "correct", "by_difficulty", "tokens_per_second", "forward_calls", "mode", "model"}, 0},
      {"export", {"format", "out", "trees", "pruning", "without_valid_terminal"}, 0},
      {"audit", {"input", "truth", "prm_hard"}, 0},
      {"demo", {"methods", "family", "n", "model"}, 0},
      {"evolve", {"rounds", "run_dir"}, 2},
      {"sweep", {"run_dir", "runs", "runs_searched", "points"}, 0},
      {"train", {"train_loss", "value_loss", "heldout_value_auc"}, 0},
      {"train-policy", {"train_loss", "heldout_loss", "skipped_too_long"}, 0},
      {"eval-value", {"n_paths", "auc", "calibration"}, 0},
      {"gen-problems", {"n", "output", "by_difficulty"}, 3},
      {"grade --input", {"n", "equal", "accuracy"}, 3},
      {"grade --pred/--gold", {"equal", "pred", "gold"}, 3},
      {"grade --extract", {"extracted"}, 1},
      {"bench", {"matmul_gflops", "decode"}, 0},
  };
  for (const Signature& s : signatures) {
    if (HasKeys(doc, s.keys) && (s.exact_size == 0 || doc.size() == s.exact_size)) return s.command;
  }
  return "";
}

json KeysOf(const json& doc) {
  json keys = json::array();
  for (const auto& [key, value] : doc.items()) keys.push_back(key);
  return keys;
}

// The top-level numbers, strings, booleans and nulls of a summary.
json ScalarsOf(const json& doc) {
  json figures = json::object();
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_structured()) figures[key] = value;
  }
  return figures;
}

json SummarizeShardManifest(const std::string& path, const json& doc) {
  const std::string trees_name = doc.contains("trees") && doc["trees"].is_string() ? doc["trees"].get<std::string>() : "";
  const std::string trees = (fs::path(path).parent_path() / trees_name).string();
  const ShardManifest m = ShardManifestFromJson(doc, path, trees);
  const json& summary = m.summary.is_object() ? m.summary : json::object();
  return {{"path", path},
          {"kind", "shard_manifest"},
          {"shard", m.shard.index},
          {"shards", m.shard.count},
          {"problems", m.problems},
          {"shard_problems", ShardSize(m.problems, m.shard)},
          {"data_digest", m.data_digest},
          {"model_digest", m.model_digest},
          {"config", m.config},
          {"trees", trees_name},
          {"value_targets", doc.value("value_targets", json())},
          {"summary", ScalarsOf(summary)}};
}

json SweepResultsFigures(const std::string& path, const json& doc) {
  const auto expect = [&path](bool ok, const std::string& what) {
    if (!ok) throw InputError(path, 0, std::string("a \"") + kSweepResultsFormat + "\" results object with " + what);
  };
  expect(doc.contains("version") && doc["version"] == kSweepResultsVersion, "\"version\": 1");
  expect(doc.contains("points") && doc["points"].is_array(), "a \"points\" array");
  expect(doc.contains("runs") && doc["runs"].is_array(), "a \"runs\" array");
  json table = json::array();
  std::map<std::string, long> curves;
  for (size_t i = 0; i < doc["points"].size(); ++i) {
    SweepPoint p;
    try {
      p = PointFromJson(doc["points"][i]);
    } catch (const std::exception&) {
      expect(false, "points[" + std::to_string(i) + "] holding every key of a point");
    }
    ++curves[p.spec.curve];
    table.push_back({{"label", p.spec.label},
                     {"curve", p.spec.curve},
                     {"run", p.run},
                     {"n", p.n},
                     {"accuracy", p.accuracy ? json(*p.accuracy) : json()},
                     {"ci_low", p.ci_low},
                     {"ci_high", p.ci_high},
                     {"tokens_per_problem", p.tokens_per_problem}});
  }
  return {{"model", doc.value("model", json())},
          {"config", doc.value("config", json())},
          {"runs", doc["runs"].size()},
          {"points", table.size()},
          {"curves", curves},
          {"table", table}};
}

json SweepConfigFigures(const std::string& path, const json& doc) {
  const SweepSpec spec = SweepSpecFromJson(nlohmann::ordered_json::parse(doc.dump()), path);
  long points = 0;
  json runs = json::array();
  for (const SweepRun& run : ExpandSweep(spec, path)) {
    runs.push_back(run.name);
    points += static_cast<long>(run.points.size());
  }
  json figures = {{"problems", spec.data.empty() ? json{{"synthetic", spec.synthetic}, {"problem_seed", spec.problem_seed}}
                                                 : json{{"data", spec.data}}},
                  {"model", spec.model},
                  {"seed", spec.seed},
                  {"methods", spec.methods.size()},
                  {"runs", runs},
                  {"points", points}};
  return figures;
}

bool IsSweepConfig(const json& doc) { return HasKeys(doc, {"methods"}) && (doc.contains("data") || doc.contains("synthetic")); }

bool IsEvolveConfig(const json& doc) {
  return HasKeys(doc, {"rounds", "init", "problems", "data_iterations", "eval_problems", "steps", "lr", "alpha"});
}

json WithPathAndKind(const std::string& path, const std::string& kind, json figures) {
  json summary = {{"path", path}, {"kind", kind}};
  summary.update(figures);
  return summary;
}

json ReadDocument(const fs::path& file) { return fs::exists(file) ? ReadJsonFile(file.string()) : json(); }

long CountFiles(const fs::path& dir, const std::string& extension) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  long n = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) n += entry.path().extension() == extension;
  return n;
}

json SummarizeSweepDir(const std::string& path, const json& config, const json& results) {
  const fs::path dir(path);
  json report = json::object();
  for (const char* file : {"results.csv", "plot.svg", "report.md"}) report[file] = fs::exists(dir / file);
  return {{"path", path},
          {"kind", "sweep_dir"},
          {"config", config.is_null() ? json() : SweepConfigFigures((dir / "config.json").string(), config)},
          {"trees_files", CountFiles(dir / "trees", ".jsonl")},
          {"runs_finished", CountFiles(dir / "runs", ".json")},
          {"results", results.is_null() ? json() : SweepResultsFigures((dir / "results.json").string(), results)},
          {"report_files", report}};
}

json SummarizeEvolveDir(const std::string& path, const json& config) {
  const fs::path dir(path);
  std::vector<int> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("round-", 0) == 0 && name.size() > 6 && name.size() < 12 &&
        std::all_of(name.begin() + 6, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      found.push_back(std::stoi(name.substr(6)));
    }
  }
  std::sort(found.begin(), found.end());
  json rounds = json::array();
  long done = 0;
  for (int k : found) {
    const json metrics = ReadDocument(dir / ("round-" + std::to_string(k)) / "metrics.json");
    done += !metrics.is_null();
    rounds.push_back({{"round", k}, {"done", !metrics.is_null()}, {"metrics", metrics}});
  }
  const bool planned = config.is_object() && config.contains("rounds") && config["rounds"].is_number_integer();
  return {{"path", path},
          {"kind", "evolve_dir"},
          {"config", config},
          {"rounds_planned", planned ? json(config["rounds"].get<long>() + 1) : json()},
          {"rounds_done", done},
          {"rounds", rounds}};
}

}  // namespace

json SummarizeJsonDocument(const std::string& path, const json& doc) {
  if (doc.is_object() && doc.contains("format") && doc["format"] == kShardManifestFormat) {
    return SummarizeShardManifest(path, doc);
  }
  if (doc.is_object() && doc.contains("format") && doc["format"] == kSweepResultsFormat) {
    return WithPathAndKind(path, "sweep_results", SweepResultsFigures(path, doc));
  }
  if (IsSweepConfig(doc)) return WithPathAndKind(path, "sweep_config", SweepConfigFigures(path, doc));
  if (IsEvolveConfig(doc)) return {{"path", path}, {"kind", "evolve_config"}, {"config", doc}};
  if (HasKeys(doc, {"round", "greedy", "sbs", "mcts", "model"})) {
    return {{"path", path}, {"kind", "evolve_metrics"}, {"metrics", doc}};
  }
  if (HasKeys(doc, {"name", "config", "searched", "seconds_per_problem"}) && doc.size() == 4) {
    return {{"path", path}, {"kind", "sweep_run"}, {"run", doc}};
  }
  const std::string command = SummaryCommand(doc);
  if (!command.empty()) {
    return {{"path", path}, {"kind", "summary"}, {"command", command}, {"keys", KeysOf(doc)}, {"figures", ScalarsOf(doc)}};
  }
  json summary = {{"path", path}, {"kind", "json"}, {"type", doc.type_name()}};
  if (doc.is_object()) summary["keys"] = KeysOf(doc);
  if (doc.is_array()) summary["length"] = doc.size();
  return summary;
}

json SummarizeRunDirectory(const std::string& path) {
  const fs::path dir(path);
  const json config = ReadDocument(dir / "config.json");
  const json results = ReadDocument(dir / "results.json");
  const bool sweep_results = results.is_object() && results.contains("format") && results["format"] == kSweepResultsFormat;
  if (IsSweepConfig(config) || sweep_results) {
    return SummarizeSweepDir(path, IsSweepConfig(config) ? config : json(), sweep_results ? results : json());
  }
  if (IsEvolveConfig(config) || fs::is_directory(dir / "round-0")) {
    return SummarizeEvolveDir(path, IsEvolveConfig(config) ? config : json());
  }
  return nullptr;
}

}  // namespace steptree::app
