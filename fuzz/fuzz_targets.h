// Fuzz targets: one function per parser of outside input, each taking arbitrary bytes.
//
// Fuzz<Name>(data, size) feeds the bytes to one parser the way a user's file would reach it
// and returns 0. The documented outcome of bad input, an InputError (or a UsageError for
// bad options), is caught inside: any other exception escaping, a crash, a sanitizer report,
// a leak or a hang is a bug. libFuzzer mains (fuzz/libfuzzer/main.cc, built with
// STEPTREE_FUZZ=ON by scripts/fuzz.sh) call these; the ordinary suite replays the seed
// corpora (fuzz/corpus/<name>/) and every regression input (tests/fuzz_regressions/<name>/)
// through them (tests/test_fuzz_regressions.cc). No torch here.
//
// Input layouts (first byte = selector where a target has modes):
//   problem_records  [format selector] JSONL bytes -> LoadProblems (auto, steptree, gsm8k,
//                    math, generic with --question-field q --answer-field a)
//   tree_reader      trees-file JSONL -> TreeFileReader, and each tree exported (sft,
//                    value, prm, pairs) and audited
//   grader           two halves -> ExtractAnswer, ExtractAnswerFromText of each,
//                    AnswersEqual of the halves and of their extracted answers
//   calculator       the bytes as an expression -> EvaluateCalculator; as text ->
//                    OpenToolCallTrigger, ToolCallExpression, ToolWrittenSpans
//   hf_tokenizer     "tokenizer.json\0tokenizer_config.json\0text", "tokenizer.json\0text"
//                    or "text": a tokenizer loaded from the JSON (FromText) encodes and
//                    decodes the text; a fixed small tokenizer always encodes it too
//   model_config     [selector] config.json text -> HfModelConfig::FromJson (+ parameter
//                    shapes) or GptConfig::FromJson
//   safetensors      a whole safetensors file -> ParseSafetensorsHeader
//   weight_index     model.safetensors.index.json text -> ParseHfWeightIndex
//   sweep_config     [selector] config text -> ParseSweepSpec as "sweep.json" or "sweep.yaml"
//   chat_template    "template" or "template\0variables JSON" -> jinja::Template, rendered
//                    with a fixed conversation and with the variables (small RenderLimits)
//
// A new target: fuzz/<name>.cc defining Fuzz<Name>, a line in AllFuzzTargets
// (fuzz/fuzz_util.cc), <name> in STEPTREE_FUZZ_TARGETS (CMakeLists.txt), seeds in
// fuzz/corpus/<name>/ (fuzz/make_corpus.py writes them) and optionally fuzz/dict/<name>.dict.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace steptree::fuzz {

int FuzzProblemRecords(const uint8_t* data, size_t size);
int FuzzTreeReader(const uint8_t* data, size_t size);
int FuzzGrader(const uint8_t* data, size_t size);
int FuzzCalculator(const uint8_t* data, size_t size);
int FuzzHfTokenizer(const uint8_t* data, size_t size);
int FuzzModelConfig(const uint8_t* data, size_t size);
int FuzzSafetensors(const uint8_t* data, size_t size);
int FuzzWeightIndex(const uint8_t* data, size_t size);
int FuzzSweepConfig(const uint8_t* data, size_t size);
int FuzzChatTemplate(const uint8_t* data, size_t size);

struct FuzzTarget {
  const char* name;  // folder name under fuzz/corpus/ and tests/fuzz_regressions/
  int (*run)(const uint8_t* data, size_t size);
};
// Every target, in the order above.
const std::vector<FuzzTarget>& AllFuzzTargets();

// Writes `bytes` to a file named `name` in this process's scratch folder (under /dev/shm
// when it exists, else the temp dir; removed at exit) and returns its path. For parsers
// that read files.
std::string WriteScratchFile(const std::string& name, const uint8_t* data, size_t size);

// The tokenizer.json of a small byte-level BPE tokenizer (256 byte tokens, a few merges,
// two added tokens, a TemplateProcessing post-processor): the fixed tokenizer of
// FuzzHfTokenizer and a seed of its corpus.
const std::string& SmallTokenizerJson();

}  // namespace steptree::fuzz
