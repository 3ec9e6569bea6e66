// Tests of the problem loaders (datasets/loaders.h) and of `steptree inspect`.
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "datasets/loaders.h"
#include "datasets/record_parsers.h"
#include "policy/model/format/gpt_config.h"
#include "tests/test_util.h"

using namespace steptree;
using nlohmann::json;

namespace {

// The message of the InputError `f` throws ("" when it throws none).
std::string InputErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string LoadError(const std::string& path, const LoaderOptions& options = {}) {
  return InputErrorOf([&] { LoadProblems(path, options); });
}

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

test::CommandResult Inspect(const std::string& args) {
  return test::Run(Quote(test::Binary()) + " inspect " + args);
}

// A safetensors file by hand: u64 little-endian header size, JSON header, data.
std::string Safetensors(const std::string& header, const std::string& data) {
  std::string out;
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

const char* kTinyHeader =
    R"({"__metadata__":{"note":"tiny"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
    R"("step":{"dtype":"I64","shape":[],"data_offsets":[24,32]}})";

}  // namespace

TEST_SUITE("loaders") {

TEST_CASE("steptree format: fields, default ids, record kept") {
  test::TempDir dir;
  const std::string path = dir.Write(
      "s.jsonl",
      R"({"id": "p1", "question": "What is 2+3?", "answer": 5, "steps": ["2+3=5", "The answer is 5"], "difficulty": 2, "source": "synthetic", "kind": "expr"})"
      "\n\n"
      R"({"question": "What is 7*6?", "answer": "42"})"
      "\n"
      R"({"question": "Unanswered?"})"
      "\n");
  const LoadedDataset data = LoadProblems(path);
  CHECK(data.format == "steptree");
  CHECK(data.detected);
  REQUIRE(data.problems.size() == 3);
  const Problem& a = data.problems[0];
  CHECK(a.id == "p1");
  CHECK(a.question == "What is 2+3?");
  CHECK(a.gold == std::optional<std::string>("5"));
  CHECK(a.reference_steps == std::vector<std::string>{"2+3=5", "The answer is 5"});
  CHECK(a.difficulty == std::optional<int>(2));
  CHECK(a.source == "synthetic");
  CHECK(a.record["kind"] == "expr");
  const Problem& b = data.problems[1];
  CHECK(b.id == "steptree-3");  // line 3: the blank line counts
  CHECK(b.gold == std::optional<std::string>("42"));
  CHECK(b.reference_steps.empty());
  CHECK_FALSE(b.difficulty.has_value());
  CHECK(b.source == "steptree");
  CHECK_FALSE(data.problems[2].gold.has_value());
}

TEST_CASE("gsm8k format: gold after ####, annotations stripped, final step") {
  test::TempDir dir;
  const std::string path = dir.Write(
      "g.jsonl",
      R"({"question": "Q1", "answer": "He pays 2*600=<<2*600=1200>>1,200 dollars.\nThen 1200+34=<<1200+34=1234>>1234.\n#### 1,234"})"
      "\n"
      R"({"question": "Q2", "answer": "#### 7"})"
      "\n");
  const LoadedDataset data = LoadProblems(path);
  CHECK(data.format == "gsm8k");
  REQUIRE(data.problems.size() == 2);
  const Problem& p = data.problems[0];
  CHECK(p.id == "gsm8k-1");
  CHECK(p.source == "gsm8k");
  CHECK(p.gold == std::optional<std::string>("1234"));
  CHECK(p.reference_steps == std::vector<std::string>{"He pays 2*600=1,200 dollars.",
                                                      "Then 1200+34=1234.", "The answer is 1234"});
  CHECK(data.problems[1].reference_steps == std::vector<std::string>{"The answer is 7"});
  CHECK(StripCalculatorAnnotations("a <<1+1=2>>2 and <<open") == "a 2 and <<open");
}

TEST_CASE("math format: problem/solution, level, boxed answers") {
  test::TempDir dir;
  const std::string path = dir.Write(
      "m.jsonl",
      R"({"problem": "Find x.", "solution": "We have $x+1=3$.\n\nSo $x=\\boxed{2}$.", "level": "Level 3", "subject": "Algebra", "type": "Algebra", "unique_id": "test/algebra/1.json"})"
      "\n"
      R"({"problem": "Find y.", "solution": "Clearly $y=\\boxed{\\frac{1}{2}}$.", "answer": "\\frac12", "level": "Level ?"})"
      "\n"
      R"({"question": "Find z.", "answer": "5", "level": 5})"
      "\n");
  const LoadedDataset data = LoadProblems(path);
  CHECK(data.format == "math");
  REQUIRE(data.problems.size() == 3);
  const Problem& a = data.problems[0];
  CHECK(a.id == "test/algebra/1.json");
  CHECK(a.question == "Find x.");
  CHECK(a.gold == std::optional<std::string>("2"));
  CHECK(a.reference_steps == std::vector<std::string>{"We have $x+1=3$.", "So $x=\\boxed{2}$."});
  CHECK(a.difficulty == std::optional<int>(3));
  CHECK(a.record["subject"] == "Algebra");
  const Problem& b = data.problems[1];
  CHECK(b.id == "math-2");
  CHECK(b.gold == std::optional<std::string>("\\frac12"));  // the stated short answer wins
  CHECK_FALSE(b.difficulty.has_value());                    // "Level ?"
  const Problem& c = data.problems[2];
  CHECK(c.question == "Find z.");
  CHECK(c.gold == std::optional<std::string>("5"));
  CHECK(c.difficulty == std::optional<int>(5));
}

TEST_CASE("solution splitting keeps blocks whole and splits off the stated answer") {
  CHECK(SplitSolutionSteps("a\n\nb\n\n\nc") == std::vector<std::string>{"a", "b", "c"});
  CHECK(SplitSolutionSteps("one\ntwo\n") == std::vector<std::string>{"one", "two"});
  CHECK(SplitSolutionSteps("Thus\n\\begin{align*}\nx &= 1 \\\\\n\ny &= 2\n\\end{align*}\n\nDone.") ==
        std::vector<std::string>{"Thus\n\\begin{align*}\nx &= 1 \\\\\n\ny &= 2\n\\end{align*}",
                                 "Done."});
  CHECK(SplitSolutionSteps("See\n[asy]\ndraw(a);\n\ndot(b);\n[/asy]\n\nSo $\\boxed{3}$.The answer is: 3") ==
        std::vector<std::string>{"See\n[asy]\ndraw(a);\n\ndot(b);\n[/asy]", "So $\\boxed{3}$.",
                                 "The answer is: 3"});
  CHECK(SplitSolutionSteps("x\n\\[\ny\n\\]\nz") == std::vector<std::string>{"x", "\\[\ny\n\\]", "z"});
  CHECK(SplitSolutionSteps("  \n ").empty());
}

TEST_CASE("generic format: named fields, extracted or whole answers") {
  test::TempDir dir;
  const std::string path = dir.Write(
      "x.jsonl",
      R"({"prompt": "Q1", "target": "so the result is $\\boxed{12}$"})"
      "\n"
      R"({"prompt": "Q2", "target": " 3/4 "})"
      "\n"
      R"({"prompt": "Q3", "target": 9, "id": 17})"
      "\n"
      R"({"prompt": "Q4"})"
      "\n");
  LoaderOptions options;
  options.question_field = "prompt";
  options.answer_field = "target";
  const LoadedDataset data = LoadProblems(path, options);
  CHECK(data.format == "generic");
  CHECK_FALSE(data.detected);
  REQUIRE(data.problems.size() == 4);
  CHECK(data.problems[0].gold == std::optional<std::string>("12"));
  CHECK(data.problems[0].id == "generic-1");
  CHECK(data.problems[1].gold == std::optional<std::string>("3/4"));
  CHECK(data.problems[2].gold == std::optional<std::string>("9"));
  CHECK(data.problems[2].id == "17");
  CHECK_FALSE(data.problems[3].gold.has_value());
  options.answer_field.clear();
  CHECK_FALSE(LoadProblems(path, options).problems[0].gold.has_value());
  options.format = "generic";
  CHECK(LoadProblems(path, options).problems.size() == 4);
}

TEST_CASE("format detection from the first record") {
  const std::string file = "d.jsonl";
  const RecordContext where{file, 4};
  CHECK(DetectFormat(json{{"question", "q"}, {"steps", json::array()}}, where) == "steptree");
  CHECK(DetectFormat(json{{"question", "q"}, {"answer", "x\n#### 4"}, {"source", "synthetic"}},
                     where) == "steptree");
  CHECK(DetectFormat(json{{"question", "q"}, {"answer", "x\n#### 4"}}, where) == "gsm8k");
  CHECK(DetectFormat(json{{"problem", "q"}, {"solution", "s"}}, where) == "math");
  CHECK(DetectFormat(json{{"problem", "q"}}, where) == "math");
  CHECK(DetectFormat(json{{"question", "q"}, {"answer", "so \\boxed{1}"}}, where) == "math");
  CHECK(DetectFormat(json{{"question", "q"}, {"answer", "1"}}, where) == "steptree");
  CHECK(DetectFormat(json{{"question", "q"}, {"answer", 1}}, where) == "steptree");
  CHECK(StartsWith(InputErrorOf([&] { DetectFormat(json{{"prompt", "q"}}, where); }),
                   "d.jsonl:4: expected a problem record"));
  CHECK(InputErrorOf([&] { DetectFormat(json::array({1}), where); }) ==
        "d.jsonl:4: expected a JSON object, found array");
}

TEST_CASE("named formats, option checks and --limit") {
  test::TempDir dir;
  const std::string path = dir.Write(
      "n.jsonl", "{\"question\": \"a\", \"answer\": \"1\\n#### 1\"}\n"
                 "{\"question\": \"b\", \"answer\": \"2\\n#### 2\"}\n"
                 "{\"truncated\": \n");
  LoaderOptions options;
  options.format = "steptree";  // named: the #### solution is taken as the gold text
  options.limit = 2;
  LoadedDataset data = LoadProblems(path, options);
  CHECK(data.format == "steptree");
  CHECK_FALSE(data.detected);
  REQUIRE(data.problems.size() == 2);  // stops before the broken line
  CHECK(data.problems[0].gold == std::optional<std::string>("1\n#### 1"));
  options.limit = 0;
  CHECK(LoadError(path, options) ==
        path + ":3: expected a complete JSON value, the line ends early (truncated?)");
  options.format = "yaml";
  CHECK_THROWS_AS(LoadProblems(path, options), UsageError);
  options.format = "generic";
  CHECK_THROWS_AS(LoadProblems(path, options), UsageError);  // no --question-field
  options.format = "gsm8k";
  options.question_field = "question";
  CHECK_THROWS_AS(LoadProblems(path, options), UsageError);  // fields only with generic
  options = {};
  options.answer_field = "answer";
  CHECK_THROWS_AS(LoadProblems(path, options), UsageError);
}

TEST_CASE("every input error names the file and the line") {
  test::TempDir dir;
  const std::string ok = R"({"question": "q", "answer": "1"})";
  struct Case {
    const char* name;
    std::string content;
    std::string expected;  // after "FILE:"
    LoaderOptions options;
  };
  LoaderOptions gsm8k;
  gsm8k.format = "gsm8k";
  LoaderOptions math;
  math.format = "math";
  const std::vector<Case> cases = {
      {"truncated", ok + "\n" + ok + "\n{\"question\": \"q\", \"ans",
       "3: expected ", {}},  // cut inside a string: jsonl.h reports it as not valid JSON
      {"truncated value", ok + "\n{\"question\": \"q\", \"answer\":",
       "2: expected a complete JSON value, the line ends early (truncated?)", {}},
      {"not json", ok + "\nquestion: q\n", "2: expected one JSON value per line", {}},
      {"non-utf8", ok + "\n{\"question\": \"caf\xe9\"}\n",
       "2: expected UTF-8 text, found invalid bytes", {}},
      {"not an object", ok + "\n\n[1, 2]\n", "3: expected a JSON object, found array", {}},
      {"first not an object", "\"text\"\n", "1: expected a JSON object, found string", {}},
      {"missing question", ok + "\n{\"answer\": \"2\"}\n",
       "2: expected field \"question\", it is missing", {}},
      {"mistyped question", ok + "\n" + ok + "\n{\"question\": 7}\n",
       "3: expected field \"question\" to be a string, found number", {}},
      {"empty question", "{\"question\": \"  \"}\n",
       "1: expected field \"question\" to hold a question, found an empty string", {}},
      {"mistyped answer", ok + "\n{\"question\": \"q\", \"answer\": [1]}\n",
       "2: expected field \"answer\" to be a string or number, found array", {}},
      {"mistyped steps", "{\"question\": \"q\", \"steps\": \"a\"}\n",
       "1: expected field \"steps\" to be an array of strings, found string", {}},
      {"mistyped step", "{\"question\": \"q\", \"steps\": [\"a\", 2]}\n",
       "1: expected field \"steps\" to hold strings, entry 2 is number", {}},
      {"mistyped difficulty", ok + "\n{\"question\": \"q\", \"difficulty\": \"hard\"}\n",
       "2: expected field \"difficulty\" to be an integer, found string", {}},
      {"mistyped id", "{\"question\": \"q\", \"id\": [1]}\n",
       "1: expected field \"id\" to be a string or an integer, found array", {}},
      {"duplicate id", "{\"id\": \"a\", \"question\": \"q\"}\n{\"id\": \"b\", \"question\": \"q\"}\n"
                       "{\"id\": \"a\", \"question\": \"q\"}\n",
       "3: expected a unique id, \"a\" is already used on line 1", {}},
      {"gsm8k without ####",
       "{\"question\": \"q\", \"answer\": \"x\\n#### 1\"}\n{\"question\": \"q\", \"answer\": \"x\"}\n",
       "2: expected field \"answer\" to end with a \"#### N\" line (GSM8K format), found no ####",
       {}},
      {"gsm8k empty final answer", "{\"question\": \"q\", \"answer\": \"x\\n####  \"}\n",
       "1: expected a final answer after \"####\" in field \"answer\"", gsm8k},
      {"math without problem", "{\"problem\": \"p\"}\n{\"solution\": \"s\"}\n",
       "2: expected field \"problem\" (or \"question\"), it is missing", {}},
      {"math mistyped level", "{\"problem\": \"p\", \"level\": [3]}\n",
       "1: expected field \"level\" to be a string (\"Level 3\") or an integer, found array", math},
      {"math mistyped solution", "{\"problem\": \"p\", \"solution\": 3}\n",
       "1: expected field \"solution\" to be a string, found number", {}},
      {"unknown record", "{\"prompt\": \"p\"}\n", "1: expected a problem record", {}},
      {"deeply nested", ok + "\n{\"question\": \"q\", \"x\": " + std::string(100000, '[') +
                            std::string(100000, ']') + "}\n",
       "2: expected a record nested at most 100 levels deep", {}},
  };
  for (const Case& c : cases) {
    const std::string name = c.name;
    const std::string path = dir.Write(name + ".jsonl", c.content);
    const std::string message = LoadError(path, c.options);
    CAPTURE(name);
    CAPTURE(message);
    CHECK(StartsWith(message, path + ":" + c.expected));
  }
  CHECK(LoadError(dir.Write("empty.jsonl", "")) ==
        dir.path() + "/empty.jsonl: expected at least one JSON record, the file is empty");
  CHECK(LoadError(dir.Write("blank.jsonl", "\n  \n")) ==
        dir.path() + "/blank.jsonl: expected at least one JSON record, the file is empty");
  CHECK(LoadError(dir.path()) == dir.path() + ": expected a JSONL file, found a directory");
  CHECK(LoadError(dir.path() + "/missing.jsonl") ==
        dir.path() + "/missing.jsonl: expected a readable file");
}

TEST_CASE("real data sets: gsm8k test and train, math500" * doctest::test_suite("needs-data")) {
  if (!test::HaveData("gsm8k/test.jsonl") || !test::HaveData("math500/test.jsonl")) {
    STEPTREE_SKIP_TEST("no data sets under " + test::DataDir());
  }
  auto count_gold = [](const LoadedDataset& d) {
    size_t n = 0;
    for (const Problem& p : d.problems) n += p.gold.has_value() && !p.reference_steps.empty();
    return n;
  };
  const LoadedDataset test_set = LoadProblems(test::DataDir() + "/gsm8k/test.jsonl");
  CHECK(test_set.format == "gsm8k");
  CHECK(test_set.problems.size() == 1319);
  CHECK(count_gold(test_set) == 1319);
  const Problem& first = test_set.problems.front();
  CHECK(first.id == "gsm8k-1");
  CHECK(first.gold == std::optional<std::string>("18"));
  CHECK(first.reference_steps.size() == 3);
  CHECK(first.reference_steps.back() == "The answer is 18");
  for (const Problem& p : test_set.problems) {
    for (const std::string& step : p.reference_steps) CHECK(step.find("<<") == std::string::npos);
    CHECK(p.gold->find(',') == std::string::npos);
  }
  const LoadedDataset train = LoadProblems(test::DataDir() + "/gsm8k/train.jsonl");
  CHECK(train.problems.size() == 7473);
  CHECK(count_gold(train) == 7473);

  const LoadedDataset math = LoadProblems(test::DataDir() + "/math500/test.jsonl");
  CHECK(math.format == "math");
  CHECK(math.problems.size() == 500);
  CHECK(count_gold(math) == 500);
  const Problem& m = math.problems.front();
  CHECK(m.id == "math-1");
  REQUIRE(m.gold.has_value());
  CHECK(m.gold->find("\\frac{\\pi}{2}") != std::string::npos);
  CHECK(StartsWith(m.reference_steps.back(), "The answer is"));
  CHECK(m.reference_steps.size() == 4);  // two paragraphs, the [asy] block, the stated answer
}

TEST_CASE("inspect: data sets as text and JSON" * doctest::test_suite("needs-data")) {
  test::TempDir dir;
  const std::string path = dir.Write(
      "s.jsonl", R"({"question": "a", "answer": 1, "steps": ["x"], "difficulty": 2})"
                 "\n"
                 R"({"question": "b", "difficulty": 2})"
                 "\n"
                 R"({"question": "c", "answer": 3, "difficulty": 5})"
                 "\n");
  test::CommandResult r = Inspect(Quote(path) + " --json");
  REQUIRE(r.exit_code == 0);
  const json s = json::parse(r.output);
  CHECK(s["kind"] == "dataset");
  CHECK(s["format"] == "steptree");
  CHECK(s["format_detected"] == true);
  CHECK(s["problems"] == 3);
  CHECK(s["with_gold"] == 2);
  CHECK(s["with_reference_steps"] == 1);
  CHECK(s["difficulty"] == json{{"2", 2}, {"5", 1}});
  CHECK(s["without_difficulty"] == 0);
  CHECK(s["first_id"] == "steptree-1");
  r = Inspect(Quote(path));
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("problems     3") != std::string::npos);
  r = Inspect(Quote(path) + " --limit 1 --json");
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.output)["problems"] == 1);
  r = Inspect("--help");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("\"with_gold\"") != std::string::npos);
  CHECK(r.output.find("--question-field") != std::string::npos);
  CHECK(Inspect("").exit_code == 2);
  CHECK(Inspect(Quote(path) + " --format yaml").exit_code == 2);

  if (test::HaveData("gsm8k/test.jsonl")) {
    r = Inspect(Quote(test::DataDir() + "/gsm8k/test.jsonl") + " --json");
    REQUIRE(r.exit_code == 0);
    const json g = json::parse(r.output);
    CHECK(g["format"] == "gsm8k");
    CHECK(g["problems"] == 1319);
    CHECK(g["with_gold"] == 1319);
    CHECK(g["first_id"] == "gsm8k-1");
  } else {
    test::RecordSkip("the gsm8k part: no data sets under " + test::DataDir());
  }
}

TEST_CASE("inspect: broken data files exit 2 naming file and line") {
  test::TempDir dir;
  const std::string ok = R"({"question": "q", "answer": "1"})";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"trunc.jsonl", ok + "\n" + ok + "\n{\"question\": \"q\""},
      {"binary.jsonl", ok + "\n\xff\xfe\x01\n"},
      {"missing.jsonl", ok + "\n{\"answer\": \"1\"}\n"},
      {"typed.jsonl", ok + "\n{\"question\": [\"q\"]}\n"},
      {"array.jsonl", ok + "\n[]\n"},
  };
  for (const auto& [name, content] : files) {
    CAPTURE(name);
    const std::string path = dir.Write(name, content);
    const test::CommandResult r = Inspect(Quote(path));
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(path + ":" + (name == "trunc.jsonl" ? "3" : "2") + ": expected") !=
          std::string::npos);
  }
  const std::string empty = dir.Write("empty.jsonl", "");
  test::CommandResult r = Inspect(Quote(empty));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(empty + ": expected") != std::string::npos);
  r = Inspect(Quote(dir.path() + "/nothing.jsonl"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("nothing.jsonl: expected") != std::string::npos);
  r = Inspect(Quote(dir.path()));  // a directory without a checkpoint
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(dir.path() + ": expected a checkpoint directory") != std::string::npos);
}

TEST_CASE("inspect: safetensors files and checkpoint directories") {
  test::TempDir dir;
  const std::string data(32, '\0');
  const std::string file = dir.Write("tiny.safetensors", Safetensors(kTinyHeader, data));
  test::CommandResult r = Inspect(Quote(file) + " --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  json s = json::parse(r.output);
  CHECK(s["kind"] == "safetensors");
  CHECK(s["config"].is_null());
  CHECK(s["tensor_count"] == 2);
  CHECK(s["parameters"] == 7);
  CHECK(s["metadata"]["note"] == "tiny");
  CHECK(s["tensors"][0] == json{{"name", "w"}, {"dtype", "F32"}, {"shape", {2, 3}}});
  CHECK(s["tensors"][1] == json{{"name", "step"}, {"dtype", "I64"}, {"shape", json::array()}});
  r = Inspect(Quote(file));
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("parameters   7") != std::string::npos);

  // Sniffed by content whatever the name.
  const std::string renamed = dir.Write("weights.bin", Safetensors(kTinyHeader, data));
  r = Inspect(Quote(renamed) + " --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(json::parse(r.output)["kind"] == "safetensors");

  // A checkpoint directory: config.json + model.safetensors.
  const std::string ckpt = dir.path() + "/ckpt";
  std::filesystem::create_directories(ckpt);
  std::ofstream(ckpt + "/model.safetensors", std::ios::binary) << Safetensors(kTinyHeader, data);
  GptConfig config;
  config.n_layer = 2;
  std::ofstream(ckpt + "/config.json") << config.ToJson().dump(2);
  r = Inspect(Quote(ckpt) + " --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  s = json::parse(r.output);
  CHECK(s["kind"] == "checkpoint");
  CHECK(s["config"]["n_layer"] == 2);
  CHECK(s["parameters"] == 7);
  r = Inspect(Quote(ckpt));
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("n_layer=2") != std::string::npos);

  // A broken config.json names its file and line.
  std::ofstream(ckpt + "/config.json") << "{\n  \"n_layer\": 2,\n  \"n_head\": \n}\n";
  r = Inspect(Quote(ckpt));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(ckpt + "/config.json:4: expected") != std::string::npos);
  std::ofstream(ckpt + "/config.json") << "[1]";
  r = Inspect(Quote(ckpt));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(ckpt + "/config.json: expected") != std::string::npos);
}

TEST_CASE("inspect: corrupt or lying safetensors files exit 2 naming the file") {
  test::TempDir dir;
  const std::string data(32, '\0');
  std::string lying_size = Safetensors(kTinyHeader, data);
  lying_size[0] = static_cast<char>(0xff);  // header size past the end of the file
  const std::vector<std::pair<std::string, std::string>> files = {
      {"short.safetensors", std::string("\x05\x00\x00", 3)},
      {"size.safetensors", lying_size},
      {"header.safetensors", Safetensors("{\"w\": {\"dtype\": \"F32\"", "")},
      {"offsets.safetensors",
       Safetensors(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})", std::string(8, '\0'))},
      {"shape.safetensors",
       Safetensors(R"({"w":{"dtype":"F32","shape":[4,3],"data_offsets":[0,24]}})", std::string(24, '\0'))},
      {"dtype.safetensors",
       Safetensors(R"({"w":{"dtype":"Q4","shape":[6],"data_offsets":[0,24]}})", std::string(24, '\0'))},
      {"empty.safetensors", ""},
  };
  for (const auto& [name, content] : files) {
    CAPTURE(name);
    const std::string path = dir.Write(name, content);
    const test::CommandResult r = Inspect(Quote(path));
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(path) != std::string::npos);
    CHECK(r.output.find("internal error") == std::string::npos);
  }
  // A checkpoint directory whose weights are corrupt.
  const std::string ckpt = dir.path() + "/ckpt";
  std::filesystem::create_directories(ckpt);
  std::ofstream(ckpt + "/model.safetensors", std::ios::binary) << lying_size;
  const test::CommandResult r = Inspect(Quote(ckpt));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(ckpt + "/model.safetensors") != std::string::npos);
}

}  // TEST_SUITE("loaders")
