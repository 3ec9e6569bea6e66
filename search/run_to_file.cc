// Running a search configuration into a trees file (search/run_to_file.h).
#include "search/run_to_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "core/input_error.h"
#include "core/jsonl.h"
#include "core/output_path.h"
#include "core/progress.h"
#include "mcts/value_records.h"
#include "mcts/value_targets.h"
#include "search/record.h"
#include "search/run_summary.h"
#include "search/runner.h"

namespace steptree {
namespace {

// Where a run writes until it finishes; renamed over the output at the end, so an existing
// output stays byte-identical until a whole new one replaces it.
std::string PartialPath(const std::string& path) { return path + ".partial"; }

// What a resume continues: an interrupted run's partial file, else a finished output.
std::string ResumeSource(const std::string& path) {
  return std::filesystem::exists(PartialPath(path)) ? PartialPath(path) : path;
}

// The complete lines of a file written by an interrupted run; a last line without its
// newline was cut by a kill and is dropped. Empty when the file does not exist.
std::string CompleteLines(const std::string& path) {
  if (!std::filesystem::exists(path)) return "";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "a readable file to resume from");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string content = buffer.str();
  const size_t end = content.rfind('\n');
  return end == std::string::npos ? "" : content.substr(0, end + 1);
}

void ReplaceFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw InputError(path, 0, "a writable output file");
}

// The first key whose value differs between two JSON objects, as "key (FILE in the file,
// RUN in this run)"; empty when they are equal.
std::string FirstDifference(const nlohmann::json& file, const nlohmann::json& run) {
  if (file.value("mode", nlohmann::json()) != run.value("mode", nlohmann::json())) {  // the mode first: it explains the rest
    return "\"mode\" (" + file.value("mode", nlohmann::json()).dump() + " in the file, " + run["mode"].dump() + " in this run)";
  }
  for (const auto& [key, value] : run.items()) {
    if (!file.contains(key)) return "\"" + key + "\" (absent in the file, " + value.dump() + " in this run)";
    if (file[key] != value) return "\"" + key + "\" (" + file[key].dump() + " in the file, " + value.dump() + " in this run)";
  }
  for (const auto& [key, value] : file.items()) {
    if (!run.contains(key)) return "\"" + key + "\" (" + value.dump() + " in the file, absent in this run)";
  }
  return "";
}

// What a resumed record must share with this run: the search configuration, the problem
// (the same input record under the same id) and the model.
struct ResumeCheck {
  nlohmann::json config;
  std::map<std::string, nlohmann::json> problems;  // id -> ProblemJson
  std::string model_digest;                        // empty: not known, not checked
};

// Reads the records of an interrupted (or finished) run from `source`. Any bad complete
// line, or a record of another configuration, problem or model, is an error naming the
// line: resuming would mix two runs in one file.
std::map<std::string, TreeOutcome> ReadFinished(const std::string& source, const std::string& content,
                                            const ResumeCheck& check) {
  std::map<std::string, TreeOutcome> finished;
  std::istringstream lines(content);
  std::string line;
  long number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty()) continue;
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error&) {
      throw InputError(source, number, "a tree record (one JSON object per line) to resume from");
    }
    if (!record.is_object() || record.value("format", "") != kTreeRecordFormat || !record.contains("id") ||
        !record["id"].is_string() || !record.contains("budget") || !record.contains("tree") ||
        !record.contains("config")) {
      throw InputError(source, number, std::string("a \"") + kTreeRecordFormat + "\" record with \"id\", \"config\", \"budget\" and \"tree\"");
    }
    const std::string id = record["id"].get<std::string>();
    const std::string config_difference = FirstDifference(record["config"], check.config);
    if (!config_difference.empty()) {
      throw InputError(source, number, "a tree of this run's search configuration to resume, but config key " +
                                           config_difference + " differs; use another --output or drop --resume");
    }
    const auto problem = check.problems.find(id);
    if (problem == check.problems.end()) {
      throw InputError(source, number, "problems of this run's input to resume, but problem \"" + id +
                                           "\" is not in it; use another --output or drop --resume");
    }
    if (record.contains("problem") && record["problem"] != problem->second) {
      throw InputError(source, number, "the same problem \"" + id + "\" as this run's input to resume, but the file's "
                                           "record of it differs; use another --output or drop --resume");
    }
    if (!check.model_digest.empty() && record.contains("model_digest") &&
        record["model_digest"] != check.model_digest) {
      throw InputError(source, number, "a tree of this run's model to resume, but its model_digest " +
                                           record["model_digest"].dump() + " is not this model's \"" +
                                           check.model_digest + "\"; use another --output or drop --resume");
    }
    TreeOutcome outcome;
    try {
      outcome = OutcomeOfRecord(record);
    } catch (const std::invalid_argument& e) {
      throw InputError(source, number, std::string("a tree record whose ") + e.what());
    }
    finished[id] = outcome;
  }
  return finished;
}

// The value-target lines of problems whose tree is in the trees file: a kill between a
// problem's paths and its tree line (or inside a line) must not leave paths of a problem
// that will be searched again. Path ids are "<problem id>/<tag>".
std::string ValueTargetsOf(const std::map<std::string, TreeOutcome>& finished, const std::string& path) {
  std::istringstream lines(CompleteLines(path));
  std::string kept, line;
  while (std::getline(lines, line)) {
    nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object() || !record.contains("id") || !record["id"].is_string()) continue;
    const std::string id = record["id"].get<std::string>();
    const size_t slash = id.rfind('/');
    if (slash != std::string::npos && finished.count(id.substr(0, slash))) kept += line + "\n";
  }
  return kept;
}

// Renames a finished partial file over its output.
void Publish(const std::string& path) {
  std::error_code ec;
  std::filesystem::rename(PartialPath(path), path, ec);
  if (ec) throw InputError(path, 0, "a writable output file (renaming " + PartialPath(path) + ": " + ec.message() + ")");
}

// Value-target records of a tree's paths whose outcome is known (+1 / -1 at the end).
std::vector<ValuePathRecord> ValueRecords(const Problem& problem, const SearchResult& result) {
  std::vector<ValuePathRecord> records;
  for (const ValuePath& path : ValueTargets(result.tree)) {
    const Node& terminal = result.tree.node(path.terminal);
    if (!terminal.correct.has_value() || path.steps.empty()) continue;
    ValuePathRecord record;
    record.id = problem.id + "/" + result.tree.Tag(path.terminal);
    record.question = problem.question;
    for (const ValueTarget& target : path.steps) {
      record.steps.push_back(target.step);
      record.q.push_back(std::max(-1.0, std::min(1.0, target.q)));
    }
    record.q.back() = *terminal.correct ? 1.0 : -1.0;
    records.push_back(std::move(record));
  }
  return records;
}

// What a run starts from: the outcomes of the problems already in the output (with
// --resume) and the complete lines of its trees and value-target files.
struct Resumed {
  std::map<std::string, TreeOutcome> outcomes;
  std::string trees, paths;
};

Resumed ReadResumed(const std::vector<Problem>& problems, const SearchConfig& config, const SearchRunOptions& options,
                    const std::string& out, const std::string& value_targets) {
  Resumed resumed;
  if (!options.resume) return resumed;
  ResumeCheck check;
  check.config = nlohmann::json::parse(ConfigToJson(config).dump());
  for (const Problem& p : problems) check.problems[p.id] = nlohmann::json::parse(ProblemJson(p).dump());
  check.model_digest = options.model_digest;
  const std::string source = ResumeSource(out);
  resumed.trees = CompleteLines(source);
  resumed.outcomes = ReadFinished(source, resumed.trees, check);
  if (!value_targets.empty()) resumed.paths = ValueTargetsOf(resumed.outcomes, ResumeSource(value_targets));
  return resumed;
}

// The summary over every input problem in the file (resumed or searched), in input order;
// a shard also writes its manifest (search/shard.h) beside the published trees.
nlohmann::json FinishedSummary(const std::vector<Problem>& problems, const std::map<std::string, TreeOutcome>& outcomes,
                               const SearchConfig& config, const SearchRunOptions& options, const RunFigures& figures,
                               const ShardManifest* shard) {
  std::vector<TreeOutcome> in_order;
  for (const Problem& p : problems) {
    const auto it = outcomes.find(p.id);
    if (it == outcomes.end()) continue;
    in_order.push_back(it->second);
    in_order.back().difficulty = p.difficulty;
  }
  nlohmann::json summary = SummariseOutcomes(in_order, ConfigToJson(config), figures, options.out);
  if (shard) {
    ShardManifest manifest = *shard;
    manifest.model_digest = options.model_digest;
    manifest.config = ConfigToJson(config);
    manifest.trees = options.out;
    manifest.value_targets = options.value_targets;
    manifest.summary = summary;
    WriteShardManifest(manifest);
  }
  return summary;
}

// RunSearchToFile on the problems to search (a shard's share when `shard` is set).
nlohmann::json RunProblemsToFile(const std::vector<Problem>& problems, const SearchBackend& backend,
                                 const SearchConfig& config, const SearchRunOptions& options,
                                 const ShardManifest* shard) {
  // Outputs are checked before any work, and written beside the target (PartialPath).
  CheckOutputFile(options.out, "--output");
  if (!options.value_targets.empty()) {
    CheckOutputFile(options.value_targets, "--value-targets");
    CheckDistinctOutputs(options.out, "--output", options.value_targets, "--value-targets");
  }
  const std::string out = OutputTarget(options.out);
  const std::string value_targets = options.value_targets.empty() ? "" : OutputTarget(options.value_targets);
  std::set<std::string> input_ids;
  for (const Problem& p : problems) {
    if (!input_ids.insert(p.id).second) throw UsageError("problem id \"" + p.id + "\" appears twice in the input");
  }
  Resumed resumed = ReadResumed(problems, config, options, out, value_targets);
  std::map<std::string, TreeOutcome>& outcomes = resumed.outcomes;
  std::set<std::string> resumed_ids;
  for (const auto& [id, outcome] : outcomes) resumed_ids.insert(id);
  RunFigures figures;
  figures.resumed = static_cast<long>(resumed_ids.size());
  long to_search = 0;
  for (const Problem& p : problems) to_search += outcomes.count(p.id) == 0;

  // Nothing existing has been touched so far. The partial files start from what resumes.
  ReplaceFile(PartialPath(out), resumed.trees);
  auto writer = std::make_unique<JsonlWriter>(PartialPath(out), /*append=*/true);
  std::unique_ptr<JsonlWriter> value_writer;
  if (!value_targets.empty()) {
    ReplaceFile(PartialPath(value_targets), resumed.paths);
    value_writer = std::make_unique<JsonlWriter>(PartialPath(value_targets), /*append=*/true);
  }

  Progress progress(options.progress_label);
  long correct_so_far = 0;
  RunOptions run;
  run.threads = options.threads;
  run.trees_per_worker = options.trees_per_worker;
  run.max_batch_rows = options.max_batch_rows;
  run.skip = [&resumed_ids](const Problem& p) { return resumed_ids.count(p.id) > 0; };
  RunSearch(problems, backend, config, run, [&](size_t, const Problem& problem, SearchResult& result) {
    // Paths first: a problem counts as finished once its tree line is written.
    if (value_writer) {
      for (const ValuePathRecord& record : ValueRecords(problem, result)) value_writer->Write(ValuePathToJson(record));
    }
    writer->Write(SearchRecord(problem, config, result, options.model_digest,
                               options.provenance ? options.provenance(problem) : nlohmann::ordered_json()));
    outcomes[problem.id] = OutcomeOfResult(problem, result);
    ++figures.searched;
    correct_so_far += result.correct.value_or(false);
    figures.generated_tokens += result.budget.generated_tokens;
    const double seconds = progress.ElapsedSeconds();
    char detail[128];
    std::snprintf(detail, sizeof detail, "acc %.1f%%  %.0f tok/s", 100.0 * correct_so_far / figures.searched,
                  seconds > 0 ? figures.generated_tokens / seconds : 0.0);
    progress.Update(figures.searched, to_search, detail);
  });
  progress.Finish();
  figures.seconds = progress.ElapsedSeconds();
  // Paths first: a kill between the two renames leaves the trees to resume from.
  writer.reset();
  if (value_writer) {
    value_writer.reset();
    Publish(value_targets);
  }
  Publish(out);
  figures.threads = options.threads;
  return FinishedSummary(problems, outcomes, config, options, figures, shard);
}

}  // namespace

nlohmann::json RunSearchToFile(const std::vector<Problem>& problems, const SearchBackend& backend,
                               const SearchConfig& config, const SearchRunOptions& options) {
  if (!options.shard) return RunProblemsToFile(problems, backend, config, options, nullptr);
  ShardManifest shard;
  shard.shard = *options.shard;
  shard.problems = static_cast<long>(problems.size());
  shard.data_digest = ProblemsDigest(problems);
  return RunProblemsToFile(ShardProblems(problems, *options.shard), backend, config, options, &shard);
}

}  // namespace steptree
