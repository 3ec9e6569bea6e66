// End-to-end tests of the `steptree` binary on a tiny model: gen-problems, train-policy,
// eval, demo, inspect, and the exit-2 contract on bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/test_util.h"

using namespace steptree;

namespace {

std::string Steptree(const std::string& args) { return test::Binary() + " " + args; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last line of output that parses as a JSON object.
nlohmann::json LastJson(const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  nlohmann::json found;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] == '{') {
      try {
        found = nlohmann::json::parse(line);
      } catch (...) {
      }
    }
  }
  return found;
}

// Trains a tiny model once per test process (a few seconds).
const std::string& TinyModel() {
  static test::TempDir dir;
  static const std::string model = [] {
    const std::string out = dir.path() + "/tiny";
    const auto r = test::Run(Steptree(
        "train-policy -o " + out +
        " --steps 3 --layers 1 --width 32 --heads 2 --ff 64 --context 192 --difficulty 1-2"
        " --batch-tokens 2048 --eval-every 0 --threads 1 --json"));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    return out;
  }();
  return model;
}

}  // namespace

TEST_SUITE("cli") {

TEST_CASE("help lists the commands and each command has --help") {
  const auto r = test::Run(Steptree("--help"));
  CHECK(r.exit_code == 0);
  for (const char* command : {"demo", "eval", "gen-problems", "grade", "inspect", "train-policy"}) {
    CHECK(r.output.find(command) != std::string::npos);
    CHECK(test::Run(Steptree(std::string(command) + " --help")).exit_code == 0);
  }
  CHECK(test::Run(Steptree("no-such-command")).exit_code == 2);
  CHECK(test::Run(Steptree("eval --no-such-flag")).exit_code == 2);
}

TEST_CASE("gen-problems is deterministic and validates its flags") {
  test::TempDir dir;
  const std::string a = dir.path() + "/a.jsonl", b = dir.path() + "/b.jsonl";
  REQUIRE(test::Run(Steptree("gen-problems --n 30 --seed 4 -o " + a)).exit_code == 0);
  REQUIRE(test::Run(Steptree("gen-problems --n 30 --seed 4 -o " + b)).exit_code == 0);
  const std::string text = ReadFile(a);
  CHECK(text == ReadFile(b));
  CHECK(std::count(text.begin(), text.end(), '\n') == 30);
  const auto bad = test::Run(Steptree("gen-problems --n 3 --difficulty 9 -o " + a));
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--difficulty") != std::string::npos);
  CHECK(test::Run(Steptree("gen-problems --n 3")).exit_code == 2);  // no -o
  const auto json = test::Run(Steptree("gen-problems --n 16 --difficulty 2-3 --json -o " + a));
  CHECK(LastJson(json.output)["by_difficulty"]["2"] == 8);
}

TEST_CASE("train-policy writes a checkpoint that inspect and eval read") {
  const std::string& model = TinyModel();
  const auto inspect = test::Run(Steptree("inspect --json " + model));
  REQUIRE(inspect.exit_code == 0);
  CHECK(LastJson(inspect.output)["kind"] == "checkpoint");

  const auto eval = test::Run(Steptree("eval --model " + model +
                                       " --n 16 --max-steps 2 --threads 1 --json"));
  REQUIRE_MESSAGE(eval.exit_code == 0, eval.output);
  const nlohmann::json summary = LastJson(eval.output);
  CHECK(summary["n"] == 16);
  CHECK(summary["accuracy"].get<double>() >= 0.0);
  CHECK(summary["accuracy"].get<double>() <= 1.0);
  CHECK(summary["by_difficulty"]["1"]["n"] == 2);
  CHECK(summary["generated_tokens"].get<long>() > 0);
}

TEST_CASE("eval writes the same solutions with 1 and 2 threads") {
  test::TempDir dir;
  const std::string one = dir.path() + "/one.jsonl", two = dir.path() + "/two.jsonl";
  const std::string common = "eval --model " + TinyModel() + " --n 24 --max-steps 3 --mode sample --seed 3";
  REQUIRE(test::Run(Steptree(common + " --threads 1 -o " + one)).exit_code == 0);
  REQUIRE(test::Run(Steptree(common + " --threads 2 -o " + two)).exit_code == 0);
  CHECK(ReadFile(one).size() > 0);
  CHECK(ReadFile(one) == ReadFile(two));
}

TEST_CASE("demo writes one solution per problem and reports by difficulty") {
  test::TempDir dir;
  const std::string out = dir.path() + "/solutions.jsonl";
  const auto r = test::Run(Steptree("demo --model " + TinyModel() + " --n 8 --threads 1 --json -o " + out));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const nlohmann::json summary = LastJson(r.output);
  CHECK(summary["n"] == 8);
  CHECK(summary["by_difficulty"].size() == 8);
  std::ifstream in(out);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    const auto record = nlohmann::json::parse(line);
    CHECK(record.contains("steps"));
    CHECK(record.contains("correct"));
    ++lines;
  }
  CHECK(lines == 8);
}

TEST_CASE("bad input ends in exit 2 with file and line") {
  test::TempDir dir;
  const std::string truncated = dir.Write("t.jsonl", "{\"question\": \"1+1\", \"answer\": \"2\"}\n{\"question\": \"2+");
  auto r = test::Run(Steptree("eval --model " + TinyModel() + " --data " + truncated));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(truncated + ":2:") != std::string::npos);

  const std::string mistyped = dir.Write("m.jsonl", "{\"question\": 5, \"answer\": \"2\"}\n");
  r = test::Run(Steptree("train-policy -o " + dir.path() + "/x --steps 1 --data " + mistyped));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(mistyped + ":1:") != std::string::npos);

  const std::string empty = dir.Write("e.jsonl", "");
  r = test::Run(Steptree("eval --model " + TinyModel() + " --data " + empty));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(empty) != std::string::npos);

  r = test::Run(Steptree("eval --model " + dir.path() + "/missing --n 2"));
  CHECK(r.exit_code == 2);

  // A lying safetensors header in a checkpoint.
  const std::string broken = dir.path() + "/broken";
  std::filesystem::create_directories(broken);
  std::filesystem::copy_file(TinyModel() + "/config.json", broken + "/config.json");
  dir.Write("broken/model.safetensors", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10));
  r = test::Run(Steptree("eval --model " + broken + " --n 2"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("model.safetensors") != std::string::npos);
  r = test::Run(Steptree("inspect " + broken));
  CHECK(r.exit_code == 2);
}

}  // TEST_SUITE
