// `inspect` on what search and export write (app/inspect.h): trees files (search --output,
// read by export/tree_input.h's TreeFileReader, so a bad line is named as export names it)
// and the four export formats (export/records.h). Every record is checked, not only the
// first: a line of another layout is an error naming it.
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/inspect.h"
#include "core/input_error.h"
#include "core/jsonl.h"
#include "core/step.h"
#include "export/tree_input.h"
#include "mcts/value_records.h"
#include "search/config.h"

namespace steptree::app {
namespace {

using nlohmann::json;

// ---- trees ------------------------------------------------------------------------------

struct TreeTally {
  long trees = 0, answered = 0, graded = 0, correct = 0, solved = 0, nodes = 0;
  long without_digest = 0, without_difficulty = 0, with_provenance = 0;
  std::map<std::string, long> modes, digests, sources;
  std::map<int, long> difficulty;
  std::vector<std::pair<json, long>> configs;  // in the order first seen
  std::vector<std::string> model_paths, prompt_formats;
  Budget budget;
  std::string first_id;
};

void AddDistinct(std::vector<std::string>* list, const std::string& value) {
  for (const std::string& seen : *list) {
    if (seen == value) return;
  }
  list->push_back(value);
}

// The optional "provenance" object: {"prompt_format", "step_delimiter", "model": {"path", ...}}.
void TallyProvenance(const json& record, const RecordContext& where, TreeTally* t) {
  const auto it = record.find("provenance");
  if (it == record.end()) return;
  ExpectInRecord(it->is_object(), where, "field \"provenance\" to be an object");
  ++t->with_provenance;
  if (const std::optional<std::string> format = OptionalString(*it, "prompt_format", where)) {
    AddDistinct(&t->prompt_formats, *format);
  }
  const auto model = it->find("model");
  if (model == it->end() || model->is_null()) return;
  ExpectInRecord(model->is_object(), where, "field \"provenance\".\"model\" to be an object");
  if (const std::optional<std::string> path = OptionalString(*model, "path", where)) AddDistinct(&t->model_paths, *path);
}

void TallyTree(const SearchedTree& tree, const json& record, TreeTally* t) {
  const RecordContext where{tree.file, tree.line};
  const json& config = RequireField(record, "config", where);
  ExpectInRecord(config.is_object() && config.contains("mode") && config["mode"].is_string(), where,
                 "field \"config\" to be an object with a \"mode\" string");
  try {
    ConfigFromJson(config);
    t->budget += BudgetFromJson(record.contains("budget") ? record["budget"] : json::object());
  } catch (const std::exception& e) {
    throw InputError(where.file, where.line, std::string("a valid \"config\" and \"budget\" (") + e.what() + ")");
  }
  const std::optional<std::string> answer = OptionalString(record, "answer", where);
  const auto correct = record.find("correct");
  ExpectInRecord(correct == record.end() || correct->is_null() || correct->is_boolean(), where,
                 "field \"correct\" to be true, false or null");
  const std::optional<std::string> digest = OptionalString(record, "model_digest", where);
  TallyProvenance(record, where, t);

  if (t->trees++ == 0) t->first_id = tree.id;
  ++t->modes[config["mode"].get<std::string>()];
  auto seen = t->configs.begin();
  while (seen != t->configs.end() && seen->first != config) ++seen;
  if (seen == t->configs.end()) {
    t->configs.emplace_back(config, 1);
  } else {
    ++seen->second;
  }
  t->answered += answer.has_value();
  if (correct != record.end() && correct->is_boolean()) {
    ++t->graded;
    t->correct += correct->get<bool>();
  }
  bool solved = false;
  for (const Node& node : tree.tree.nodes()) solved |= node.terminal && node.correct.value_or(false);
  t->solved += solved;
  t->nodes += tree.tree.size();
  if (digest) {
    ++t->digests[*digest];
  } else {
    ++t->without_digest;
  }
  if (tree.difficulty) {
    ++t->difficulty[*tree.difficulty];
  } else {
    ++t->without_difficulty;
  }
  ++t->sources[tree.source];
}

// ---- exports ----------------------------------------------------------------------------

struct ExportTally {
  long records = 0, steps = 0, positive = 0, negative = 0, correct = 0, with_gold = 0, with_scores = 0;
  long without_difficulty = 0;
  double label_sum = 0, q_gap_sum = 0;
  std::set<std::string> questions;
  std::map<int, long> difficulty;
  std::string sft_style;
};

void ExpectStrings(const json& record, const char* field, const RecordContext& where, bool non_empty) {
  const json& list = RequireField(record, field, where);
  bool ok = list.is_array() && (!non_empty || !list.empty());
  if (ok) {
    for (const json& item : list) ok &= item.is_string();
  }
  ExpectInRecord(ok, where, std::string("field \"") + field + "\" to be " + (non_empty ? "a non-empty" : "an") +
                                " array of strings");
}

double NumberField(const json& record, const char* field, const RecordContext& where) {
  const json& value = RequireField(record, field, where);
  ExpectInRecord(value.is_number(), where, std::string("field \"") + field + "\" to be a number");
  return value.get<double>();
}

void TallySft(const json& record, const RecordContext& where, ExportTally* t) {
  const std::string style = record.contains("messages") ? "chat" : "completion";
  if (t->sft_style.empty()) t->sft_style = style;
  ExpectInRecord(style == t->sft_style, where,
                 "an sft record of the " + t->sft_style + " style, as on the first line (" +
                     (t->sft_style == "chat" ? "\"messages\")" : "\"prompt\" and \"completion\")"));
  if (style == "chat") {
    const json& messages = record["messages"];
    bool ok = messages.is_array() && messages.size() >= 2;
    if (ok) {
      for (const json& m : messages) {
        ok &= m.is_object() && m.contains("role") && m["role"].is_string() && m.contains("content") &&
              m["content"].is_string();
      }
    }
    ExpectInRecord(ok, where, "field \"messages\" to be an array of {\"role\", \"content\"} strings");
  } else {
    RequireString(record, "prompt", where);
    RequireString(record, "completion", where);
  }
  t->questions.insert(ProblemKey(record["id"].get<std::string>(), RequireString(record, "question", where)));
  ExpectStrings(record, "steps", where, true);
  t->steps += static_cast<long>(record["steps"].size());
  t->correct += 1;
}

void TallyPrm(const json& record, const RecordContext& where, ExportTally* t) {
  t->questions.insert(ProblemKey(record["id"].get<std::string>(), RequireString(record, "prompt", where)));
  ExpectStrings(record, "completions", where, true);
  const size_t n = record["completions"].size();
  const json& labels = RequireField(record, "labels", where);
  bool ok = labels.is_array() && labels.size() == n;
  if (ok) {
    for (const json& label : labels) ok &= label.is_boolean() || label.is_number();
  }
  ExpectInRecord(ok, where, "field \"labels\" to be an array of true/false, one per completion");
  if (record.contains("scores")) {
    const json& scores = record["scores"];
    bool numbers = scores.is_array() && scores.size() == n;
    if (numbers) {
      for (const json& score : scores) numbers &= score.is_number();
    }
    ExpectInRecord(numbers, where, "field \"scores\" to be an array of numbers, one per completion");
    ++t->with_scores;
  }
  bool good = false;
  for (const json& label : labels) {
    const double x = label.is_boolean() ? (label.get<bool>() ? 1.0 : 0.0) : label.get<double>();
    good = x >= 0.5;
    (good ? t->positive : t->negative) += 1;
    t->label_sum += x;
  }
  t->correct += good;  // the last step's label: the path's outcome
  t->steps += static_cast<long>(n);
  t->with_gold += OptionalStringOrNumber(record, "gold", where).has_value();
}

void TallyPair(const json& record, const RecordContext& where, ExportTally* t) {
  for (const char* field : {"prompt", "chosen", "rejected"}) RequireString(record, field, where);
  t->questions.insert(ProblemKey(record["id"].get<std::string>(), RequireString(record, "question", where)));
  ExpectStrings(record, "prefix", where, false);
  t->q_gap_sum += NumberField(record, "chosen_q", where) - NumberField(record, "rejected_q", where);
  t->steps += 2;
}

// The value export: the value-target layout (read by LoadValuePaths, which checks it) plus
// "gold" and "difficulty".
void TallyValueExport(const std::string& path, ExportTally* t) {
  for (const ValuePathRecord& p : LoadValuePaths(path)) {
    t->questions.insert(ProblemKey(p.id, p.question));
    t->steps += static_cast<long>(p.steps.size());
    t->correct += p.correct();
    for (double q : p.q) {
      (q > 0 ? t->positive : t->negative) += 1;
      t->label_sum += q;
    }
  }
}

}  // namespace

std::string ExportFormatOfRecord(const json& record) {
  if (!record.is_object()) return "";
  if (record.contains("messages") || (record.contains("prompt") && record.contains("completion"))) return "sft";
  if (record.contains("completions") && record.contains("labels")) return "prm";
  if (record.contains("chosen") && record.contains("rejected")) return "pairs";
  const auto steps = record.find("steps");
  if (steps != record.end() && steps->is_array() && !steps->empty() && (*steps)[0].is_object() &&
      record.contains("gold")) {
    return "value";
  }
  return "";
}

json SummarizeTrees(const std::string& path) {
  TreeFileReader reader(path);
  SearchedTree tree;
  json record;
  TreeTally t;
  while (reader.Next(&tree, &record)) TallyTree(tree, record, &t);
  json configs = json::array();
  for (const auto& [config, count] : t.configs) configs.push_back({{"config", config}, {"trees", count}});
  json summary = {{"path", path},
                  {"kind", "trees"},
                  {"trees", t.trees},
                  {"modes", t.modes},
                  {"configs", configs},
                  {"model_digests", t.digests},
                  {"without_model_digest", t.without_digest},
                  {"answered", t.answered},
                  {"graded", t.graded},
                  {"correct", t.correct},
                  {"accuracy", ShareOrNull(t.correct, t.graded)},
                  {"solved", t.solved},
                  {"solved_share", ShareOrNull(t.solved, t.trees)},
                  {"nodes", t.nodes},
                  {"budget", json(BudgetToJson(t.budget))},
                  {"tokens_per_problem", static_cast<double>(t.budget.generated_tokens) / static_cast<double>(t.trees)},
                  {"difficulty", LevelsJson(t.difficulty)},
                  {"without_difficulty", t.without_difficulty},
                  {"sources", t.sources},
                  {"first_id", t.first_id}};
  if (t.with_provenance > 0) {
    summary["provenance"] = {
        {"records", t.with_provenance}, {"model_paths", t.model_paths}, {"prompt_formats", t.prompt_formats}};
  }
  return summary;
}

json SummarizeExport(const std::string& path, const std::string& format) {
  ExportTally t;
  if (format == "value") TallyValueExport(path, &t);
  JsonlReader reader(path);
  json record;
  while (reader.Next(&record)) {
    const RecordContext where{path, reader.line_number()};
    ExpectInRecord(ExportFormatOfRecord(record) == format, where,
                   "a " + format + " export record, as on the first line");
    RequireString(record, "id", where);
    if (format == "sft") TallySft(record, where, &t);
    if (format == "prm") TallyPrm(record, where, &t);
    if (format == "pairs") TallyPair(record, where, &t);
    if (format == "value") t.with_gold += OptionalString(record, "gold", where).has_value();
    if (const std::optional<int> level = OptionalLevel(record, where)) {
      ++t.difficulty[*level];
    } else {
      ++t.without_difficulty;
    }
    ++t.records;
  }
  reader.RequireRecords();
  json summary = {{"path", path},
                  {"kind", "export"},
                  {"export_format", format},
                  {"records", t.records},
                  {"questions", t.questions.size()},
                  {"steps", t.steps},
                  {"difficulty", LevelsJson(t.difficulty)},
                  {"without_difficulty", t.without_difficulty},
                  {"also_reads_as", nullptr}};
  if (format == "sft") {
    summary["sft_style"] = t.sft_style;
    LoadProblems(path);  // what `train --sft` and `search --data` read: refused here as there
    summary["also_reads_as"] = "dataset";
  }
  if (format == "value" || format == "prm") {
    summary["correct_paths"] = t.correct;
    summary["incorrect_paths"] = t.records - t.correct;
    summary["labels"] = LabelFigures(t.positive, t.negative, t.label_sum);
    summary["with_gold"] = t.with_gold;
  }
  if (format == "value") summary["also_reads_as"] = "value_targets";
  if (format == "prm") summary["with_scores"] = t.with_scores;
  if (format == "pairs") {
    summary["mean_q_gap"] = t.records > 0 ? json(t.q_gap_sum / static_cast<double>(t.records)) : json();
  }
  return summary;
}

}  // namespace steptree::app
