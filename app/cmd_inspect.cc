// `steptree inspect FILE [--json]`: says what a file or folder is, by its content, and
// summarises it (app/inspect.h). Models: a checkpoint directory, a Hugging Face model
// directory, a .safetensors file. Data and outputs: a JSONL problem set, a trees file,
// each export format, value targets, solutions (eval -o), grade records. JSON documents:
// a shard manifest, sweep results and configs, evolve configs and metrics, a --json
// summary, any other JSON. Run directories of sweep and evolve. Anything else, and any
// corrupt input, is an InputError (exit 2) naming the file (and line).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "app/command.h"
#include "app/data_flags.h"
#include "app/inspect.h"
#include "core/input_error.h"
#include "policy/model/format/hf_config.h"

namespace steptree::app {

const char* const kInspectJsonKeys = R"(
With --json, prints one JSON object; every kind has "path" and "kind":
  dataset:     "format", "format_detected" (bool), "problems", "with_gold",
               "with_reference_steps", "reference_steps" (total), "difficulty"
               (object: level -> count), "without_difficulty", "sources" (object:
               source -> count), "first_id"
  checkpoint / safetensors:
               "safetensors" (path of the weights), "config" (object or null),
               "metadata" (object), "tensors" (array of {"name", "dtype", "shape"}),
               "tensor_count", "parameters" (total element count), "bytes" (tensor data)
  checkpoint:  "value_head": null, or the same summary of value_head.safetensors (the
               trained tanh value head)
  hf_model:    "architecture", "layers", "hidden_size", "intermediate_size", "heads",
               "kv_heads", "head_dim", "vocab_size", "context", "rope_theta", "rope_scaling",
               "tie_word_embeddings", "biases" ({"qkv", "o", "mlp"}), "config_torch_dtype",
               "weights" ({"files", "dtypes", "parameters", "bytes"}: checked against
               config.json), "tokenizer" (null, or {"vocab_size", "bos_id", "eos_id",
               "stop_ids", "chat_template" (bool), "prompt_format", "step_delimiter"}),
               "value_head" (null, or the summary of value_head.safetensors)
  trees:       "trees", "first_id", "modes" (mode -> trees), "configs" (array of {"config",
               "trees"}: each distinct config), "model_digests" (digest -> trees),
               "without_model_digest", "answered", "graded", "correct", "accuracy",
               "solved" (trees with a correct terminal), "solved_share", "nodes", "budget"
               (sums: "generated_tokens", "prefill_tokens", "cached_tokens", "forward_calls",
               "nodes", ["tool_tokens"]), "tokens_per_problem", "difficulty",
               "without_difficulty", "sources"; "provenance" ({"records", "model_paths",
               "prompt_formats"}) only when records carry one
  export:      "export_format" ("sft", "value", "prm" or "pairs"), "records", "questions",
               "steps", "difficulty", "without_difficulty", "also_reads_as" ("dataset" for
               sft, "value_targets" for value, else null); sft: "sft_style" ("chat" or
               "completion"); value and prm: "correct_paths", "incorrect_paths", "labels"
               ({"positive", "negative", "positive_share", "mean"}), "with_gold"; prm:
               "with_scores"; pairs: "mean_q_gap"
  value_targets: "records", "questions", "steps", "correct_paths", "incorrect_paths",
               "labels" (of the Q targets: positive = Q > 0)
  solutions:   "problems", "answered", "with_gold", "correct", "accuracy", "by_difficulty"
               (level -> {"accuracy", "n"}), "ends" (end -> count), "steps",
               "generated_tokens", "tokens_per_problem", "first_id"
  grade:       "records", "with_pred", "with_text", "graded" (with "equal"), "equal",
               "accuracy"
  shard_manifest: "shard", "shards", "problems", "shard_problems", "data_digest",
               "model_digest", "config", "trees", "value_targets", "summary" (its figures)
  sweep_results: "model", "config", "runs", "points", "curves" (curve -> points), "table"
               (array of {"label", "curve", "run", "n", "accuracy", "ci_low", "ci_high",
               "tokens_per_problem"})
  sweep_config: "problems" ({"data"} or {"synthetic", "problem_seed"}), "model", "seed",
               "methods", "runs" (the run names), "points"
  sweep_run:   "run" (runs/NAME.json);  evolve_config: "config";  evolve_metrics: "metrics"
  sweep_dir:   "config" (as sweep_config, or null), "trees_files", "runs_finished",
               "results" (as sweep_results, or null), "report_files" (file -> present)
  evolve_dir:  "config", "rounds_planned", "rounds_done", "rounds" (array of {"round",
               "done", "metrics"})
  summary:     a --json summary: "command", "keys", "figures" (its top-level numbers,
               strings, booleans and nulls)
  json:        any other JSON document: "type", "keys" (an object) or "length" (an array)
)";

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json InspectPath(const std::string& path, const LoaderOptions& loader) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw InputError(path, 0, "an existing file or directory");
  if (fs::is_directory(status)) {
    if (IsHfModelDir(path)) return SummarizeHfModel(path);
    if (fs::exists(fs::path(path) / "model.safetensors")) return SummarizeCheckpoint(path);
    json run = SummarizeRunDirectory(path);
    if (!run.is_null()) return run;
    throw InputError(path, 0,
                     "a checkpoint directory holding model.safetensors (and config.json), a Hugging Face "
                     "model directory, or a sweep or evolve run directory (config.json)");
  }
  if (fs::path(path).extension() == ".safetensors" || LooksLikeSafetensors(path)) return SummarizeSafetensors(path);
  return SummarizeDataFile(path, loader);
}

std::string DescribeKind(const json& s) {
  static const std::map<std::string, std::string> names = {
      {"trees", "trees file (search --output)"},
      {"value_targets", "value targets (search --value-targets; train --values)"},
      {"solutions", "solutions (eval -o)"},
      {"grade", "grade records (grade --input)"},
      {"shard_manifest", "shard manifest (search --shard)"},
      {"sweep_results", "sweep results (results.json)"},
      {"sweep_config", "sweep config"},
      {"sweep_run", "finished sweep run (runs/NAME.json)"},
      {"sweep_dir", "sweep run directory"},
      {"evolve_config", "evolve config (config.json)"},
      {"evolve_metrics", "evolve round metrics (metrics.json)"},
      {"evolve_dir", "evolve run directory"},
      {"json", "JSON document"}};
  const std::string kind = s["kind"].get<std::string>();
  if (kind == "export") {
    return s["export_format"].get<std::string>() + " export (export --format " + s["export_format"].get<std::string>() +
           (s.contains("sft_style") ? ", " + s["sft_style"].get<std::string>() + " style" : "") + ")";
  }
  if (kind == "summary") return "--json summary of " + s["command"].get<std::string>();
  const auto it = names.find(kind);
  return it == names.end() ? kind : it->second;
}

std::string Scalar(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

// "a: 1, b: 2" for an object of scalars, "1, 2" for an array of them; "" when nested.
std::string Flat(const json& value) {
  std::string text;
  for (const auto& [key, item] : value.items()) {
    if (item.is_structured()) return "";
    text += (text.empty() ? "" : ", ") + (value.is_object() ? key + ": " : "") + Scalar(item);
  }
  return text.empty() ? "none" : text;
}

}  // namespace

void PrintFigures(const json& s, std::ostream& out) {
  size_t width = 13;  // as the other printers' columns, or wider for a long key
  for (const auto& [key, value] : s.items()) width = std::max(width, key.size() + 1);
  auto padded = [width](std::string label) {
    std::replace(label.begin(), label.end(), '_', ' ');
    label.resize(width, ' ');
    return label;
  };
  out << padded("file") << s["path"].get<std::string>() << "\n" << padded("kind") << DescribeKind(s) << "\n";
  for (const auto& [key, value] : s.items()) {
    if (key == "path" || key == "kind") continue;
    const std::string label = padded(key);
    const std::string flat = value.is_structured() ? Flat(value) : Scalar(value);
    if (!flat.empty()) {
      out << label << flat << "\n";
      continue;
    }
    out << label << "\n";
    for (const auto& [inner, item] : value.items()) {
      out << "  " << (value.is_object() ? inner + ": " : "")
          << (item.is_structured() && !Flat(item).empty() ? Flat(item) : Scalar(item)) << "\n";
    }
  }
}

namespace {

int RunInspect(int argc, char** argv) {
  cxxopts::Options options("steptree inspect",
                           "Says what a file or folder is, by its content, and summarises it: a JSONL "
                           "problem set, a trees file (search --output), an export (sft, value, prm, pairs), "
                           "value targets, solutions (eval -o), grade records, a shard manifest, sweep "
                           "results or config, evolve config or metrics, a --json summary or any other "
                           "JSON document (pretty-printed or not), a sweep or evolve run directory, a "
                           "checkpoint directory (config.json + model.safetensors), a Hugging Face model "
                           "directory (Llama, Qwen2, Mistral) or a .safetensors file.");
  // clang-format off
  options.add_options()
    ("file", "the file or directory (what it is is read from its content, not its name)",
     cxxopts::value<std::string>())
    ("json", "print one JSON object (keys below)")
    ("h,help", "print this help");
  // clang-format on
  AddDataFlags(options);
  options.parse_positional({"file"});
  options.positional_help("FILE");
  const cxxopts::ParseResult result = options.parse(argc, argv);
  if (result.count("help")) {
    std::cout << options.help() << kInspectJsonKeys;
    return 0;
  }
  if (!result.count("file")) throw UsageError("inspect needs FILE (steptree inspect --help)");
  if (!result.unmatched().empty()) {
    throw UsageError("inspect takes one FILE, found also '" + result.unmatched().front() + "'");
  }
  const json summary = InspectPath(result["file"].as<std::string>(), DataFlagsFrom(result));
  const std::string kind = summary["kind"].get<std::string>();
  if (result.count("json")) {
    std::cout << summary.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  } else if (kind == "dataset") {
    PrintDataset(summary, std::cout);
  } else if (kind == "hf_model") {
    PrintHfModel(summary, std::cout);
  } else if (kind == "checkpoint" || kind == "safetensors") {
    PrintWeights(summary, std::cout);
  } else {
    PrintFigures(summary, std::cout);
  }
  return 0;
}

CommandRegistrar inspect_registrar({"inspect", "what a file is: data set, trees, export, run directory, checkpoint or model", RunInspect});

}  // namespace
}  // namespace steptree::app
