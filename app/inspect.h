// `steptree inspect`: what a file or folder is, by its content, not its name. Each Summarize*
// returns the object `inspect --json` prints ({"path", "kind", ...}; keys in kInspectJsonKeys
// and docs/formats.md "JSON summaries"); any malformed input throws InputError naming the
// file (and line), so inspect exits 2.
//
//   cmd_inspect.cc      the command: flags, dispatch on what the path is, text output
//   inspect_models.cc   checkpoints, Hugging Face model directories, .safetensors files
//   inspect_data.cc     JSONL files: which kind the first record is, problem sets, value
//                       targets, solutions (eval -o), grade records
//   inspect_outputs.cc  trees files (search --output) and the four export formats
//   inspect_runs.cc     whole JSON documents (shard manifests, sweep results and configs,
//                       evolve configs and metrics, --json summaries, any other JSON) and
//                       sweep and evolve run directories
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/jsonl.h"
#include "datasets/loaders.h"

namespace steptree::app {

// The --json keys of every kind, for `inspect --help`.
extern const char* const kInspectJsonKeys;

// ---- models (inspect_models.cc) --------------------------------------------------------
// A checkpoint directory (model.safetensors, config.json, value_head.safetensors).
nlohmann::json SummarizeCheckpoint(const std::string& path);
// One .safetensors file.
nlohmann::json SummarizeSafetensors(const std::string& path);
// A Hugging Face model directory (IsHfModelDir).
nlohmann::json SummarizeHfModel(const std::string& path);
// True when the file starts like a safetensors file.
bool LooksLikeSafetensors(const std::string& path);
void PrintWeights(const nlohmann::json& summary, std::ostream& out);
void PrintHfModel(const nlohmann::json& summary, std::ostream& out);

// ---- JSONL files (inspect_data.cc) -----------------------------------------------------
// A file that is not a safetensors file: JSONL (kind by the first record) or one JSON
// document (InspectJsonDocument). `loader` names a problem-set layout (--format,
// --question-field): then the file is read as a problem set whatever its first record.
nlohmann::json SummarizeDataFile(const std::string& path, const LoaderOptions& loader);
nlohmann::json SummarizeDataset(const LoadedDataset& data);
void PrintDataset(const nlohmann::json& summary, std::ostream& out);

// ---- trees and exports (inspect_outputs.cc) --------------------------------------------
nlohmann::json SummarizeTrees(const std::string& path);
// `format`: "sft", "value", "prm" or "pairs" (ExportFormatOfRecord).
nlohmann::json SummarizeExport(const std::string& path, const std::string& format);
// The export format a record's keys say ("" when none): sft ("messages", or "prompt" and
// "completion"), prm ("completions" and "labels"), pairs ("chosen" and "rejected"), value
// ("steps" of {"step", "Q"} and a "gold" key; without "gold" it is a value-target record).
std::string ExportFormatOfRecord(const nlohmann::json& record);

// ---- JSON documents and run directories (inspect_runs.cc) ------------------------------
// `document` is the whole content of `path`.
nlohmann::json SummarizeJsonDocument(const std::string& path, const nlohmann::json& document);
// A sweep or evolve run directory; null when `path` is neither.
nlohmann::json SummarizeRunDirectory(const std::string& path);

// ---- shared helpers (inspect_data.cc) ----------------------------------------------------
// part / whole, or null when whole is 0.
nlohmann::json ShareOrNull(long part, long whole);
// {"positive", "negative", "positive_share", "mean"} of step labels or Q targets (as the
// export summary's "labels"); `sum`: their total (true = 1).
nlohmann::json LabelFigures(long positive, long negative, double sum);
// level -> count, the levels as strings.
nlohmann::json LevelsJson(const std::map<int, long>& levels);
// Which problem a record of an export or value-target file belongs to: its id up to the
// last '/' ("<problem id>/<tag>"), or the question when the id has none.
std::string ProblemKey(const std::string& id, const std::string& question);
// Throws InputError(where, what) unless ok.
void ExpectInRecord(bool ok, const RecordContext& where, const std::string& what);
// The record's "difficulty": absent or null, or an integer (else InputError).
std::optional<int> OptionalLevel(const nlohmann::json& record, const RecordContext& where);

// ---- text ------------------------------------------------------------------------------
// The kinds without a printer of their own: one "label  value" line per key.
void PrintFigures(const nlohmann::json& summary, std::ostream& out);

}  // namespace steptree::app
