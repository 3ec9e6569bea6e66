// No data lost, no crash on sizes from outside (issue "Hardening"): every case a new user
// tried gives exit 2 with one line naming the file or flag, and leaves every existing file
// byte-identical. The binary runs on the embedded default model (models/default), which
// searches a couple of problems in about a second.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/test_util.h"

using namespace steptree;

namespace {

std::string Steptree(const std::string& args) { return test::Binary() + " " + args; }
std::string Model() { return test::SourceDir() + "/models/default"; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The command's error: exit 2 and exactly one line of output that holds `names`.
void CheckRefused(const test::CommandResult& r, const std::string& names) {
  INFO(r.output);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(names) != std::string::npos);
  const std::string trimmed = r.output.substr(0, r.output.find_last_not_of('\n') + 1);
  CHECK(trimmed.find('\n') == std::string::npos);
}

// A trees file searched once per test process: 2 problems, greedy.
const std::string& GreedyTrees() {
  static test::TempDir dir;
  static const std::string trees = [] {
    const std::string out = dir.path() + "/greedy.jsonl";
    const auto r = test::Run(Steptree("search --model " + Model() + " --problems 2 --mode greedy --threads 1 --output " + out));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    return out;
  }();
  return trees;
}

}  // namespace

TEST_SUITE("output safety") {

TEST_CASE("search: a bad second output costs the first file nothing; a missing folder is created") {
  test::TempDir dir;
  const std::string keep = dir.Write("keep.jsonl", ReadFile(GreedyTrees()));
  const std::string before = ReadFile(keep);
  const std::string common = "search --model " + Model() + " --problems 2 --mode greedy --threads 1 --output " + keep;
  // A folder that cannot exist (a file stands where it should be).
  CheckRefused(test::Run(Steptree(common + " --value-targets " + keep + "/v.jsonl")), "--value-targets");
  CHECK(ReadFile(keep) == before);
  CheckRefused(test::Run(Steptree(common + " --value-targets /proc/x/v.jsonl")), "--value-targets /proc/x/v.jsonl");
  CHECK(ReadFile(keep) == before);
  CheckRefused(test::Run(Steptree(common + " --value-targets " + keep)), "name the same file");
  CHECK(ReadFile(keep) == before);
  CheckRefused(test::Run(Steptree("search --model " + Model() + " --problems 2 --mode greedy --output /proc/x/t.jsonl")),
               "--output /proc/x/t.jsonl");
  // A missing folder is made, as for --output.
  const auto made = test::Run(Steptree(common + " --value-targets " + dir.path() + "/nodir/v.jsonl"));
  REQUIRE_MESSAGE(made.exit_code == 0, made.output);
  CHECK(std::filesystem::exists(dir.path() + "/nodir/v.jsonl"));
  CHECK(ReadFile(keep) == before);  // the same search, the same trees
  CHECK_FALSE(std::filesystem::exists(keep + ".partial"));
}

TEST_CASE("search: a run writes beside the output and replaces it only when finished; --resume continues the partial file") {
  test::TempDir dir;
  const std::string trees = ReadFile(GreedyTrees());
  const std::string out = dir.Write("out.jsonl", "an older file the user keeps\n");
  // As after a kill: the first tree in the partial file, the older output untouched.
  dir.Write("out.jsonl.partial", trees.substr(0, trees.find('\n') + 1) + "{\"format\": \"steptree-tr");
  const auto r = test::Run(Steptree("search --model " + Model() +
                                    " --problems 2 --mode greedy --threads 1 --resume --json --output " + out));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(test::LastJsonObject(r.output)["resumed"] == 1);
  CHECK(test::LastJsonObject(r.output)["searched"] == 1);
  CHECK(ReadFile(out) == trees);
  CHECK_FALSE(std::filesystem::exists(out + ".partial"));
}

TEST_CASE("search --resume refuses a file of another configuration, problem set or model, and leaves it as it was") {
  test::TempDir dir;
  const std::string trees = dir.Write("trees.jsonl", ReadFile(GreedyTrees()));
  const std::string before = ReadFile(trees);
  const std::string resume = " --threads 1 --resume --output " + trees;
  CheckRefused(test::Run(Steptree("search --model " + Model() + " --problems 2 --mode sbs" + resume)),
               trees + ":1: expected a tree of this run's search configuration to resume, but config key \"mode\"");
  CHECK(ReadFile(trees) == before);
  CheckRefused(test::Run(Steptree("search --model " + Model() + " --problems 2 --mode greedy --seed 9" + resume)),
               "\"seed\"");
  CheckRefused(test::Run(Steptree("search --model " + Model() + " --problems 2 --problem-seed 5 --mode greedy" + resume)),
               "is not in it");
  CheckRefused(test::Run(Steptree("search --model " + test::SourceDir() + "/models/countdown --problems 2 --mode greedy" +
                                  resume)),
               "model_digest");
  CHECK(ReadFile(trees) == before);
  // A --tool that changes the checkpoint's setting changes the trees, hence the digest; the
  // checkpoint's own setting named explicitly is the same run.
  int accepted = 0, refused = 0;
  for (const char* tool : {"none", "calculator"}) {
    const auto r = test::Run(Steptree("search --model " + Model() + " --problems 2 --mode greedy --tool " + tool + resume));
    if (r.exit_code == 0) {
      ++accepted;
    } else {
      ++refused;
      CheckRefused(r, "model_digest");
      CHECK_MESSAGE(r.output.find(std::string("+tool=") + tool) != std::string::npos, r.output);
    }
  }
  CHECK(accepted == 1);
  CHECK(refused == 1);
  CHECK(ReadFile(trees) == before);
  // The same run resumes: nothing to search, nothing changed.
  const auto same = test::Run(Steptree("search --model " + Model() + " --problems 2 --mode greedy --json" + resume));
  REQUIRE_MESSAGE(same.exit_code == 0, same.output);
  CHECK(test::LastJsonObject(same.output)["searched"] == 0);
  CHECK(ReadFile(trees) == before);
}

TEST_CASE("export: special files refused, - is standard output, ids unique across inputs") {
  test::TempDir dir;
  const std::string trees = GreedyTrees();
  CheckRefused(test::Run(Steptree("export --trees " + trees + " --format value -o /dev/stdout")), "-o /dev/stdout");
  CheckRefused(test::Run(Steptree("export --trees " + trees + " --format value -o " + dir.path())), "is a folder");
  CHECK_FALSE(std::filesystem::exists("-"));

  const auto to_stdout = test::Run(Steptree("export --trees " + trees + " --format value -o - --json"));
  REQUIRE_MESSAGE(to_stdout.exit_code == 0, to_stdout.output);
  CHECK(to_stdout.output.find("\"question\"") != std::string::npos);  // records on stdout
  CHECK_FALSE(std::filesystem::exists("-"));

  // The same trees twice: the second copies get "#2" ids.
  const std::string out = dir.path() + "/twice.jsonl";
  const auto twice = test::Run(Steptree("export --trees " + trees + " --trees " + trees + " --format value --json -o " + out));
  REQUIRE_MESSAGE(twice.exit_code == 0, twice.output);
  CHECK(test::LastJsonObject(twice.output)["repeated_problems"] == 2);
  std::istringstream lines(ReadFile(out));
  std::set<std::string> ids;
  long records = 0;
  bool repeated_id = false;
  for (std::string line; std::getline(lines, line);) {
    const std::string id = nlohmann::json::parse(line)["id"].get<std::string>();
    CHECK_MESSAGE(ids.insert(id).second, id);
    repeated_id |= id.find("#2/") != std::string::npos;
    ++records;
  }
  CHECK(records >= 2);
  CHECK(repeated_id);
}

TEST_CASE("grade --input with a bad line leaves the existing output as it was") {
  test::TempDir dir;
  const std::string input = dir.Write("in.jsonl", "{\"pred\": \"1\", \"gold\": \"1\"}\n{\"pred\": 2,}\n");
  const std::string out = dir.Write("out.jsonl", "precious\n");
  CheckRefused(test::Run(Steptree("grade --input " + input + " -o " + out)), input + ":2:");
  CHECK(ReadFile(out) == "precious\n");
  CHECK(std::filesystem::directory_iterator(dir.path()) != std::filesystem::directory_iterator());
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    CHECK_MESSAGE(entry.path().filename().string().find(".tmp") == std::string::npos, entry.path());
  }
}

TEST_CASE("sizes from outside: problem counts, threads, search budgets, run folders") {
  test::TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  CheckRefused(test::Run(Steptree("search --model " + Model() + " --problems 4294967297 --mode greedy --output " +
                                  dir.path() + "/t.jsonl")),
               "--problems must be between 1 and 1000000");
  CheckRefused(test::Run(Steptree("eval --model " + Model() + " --problems 99999999999")), "--problems must be between 1 and 1000000");
  CheckRefused(test::Run(Steptree("gen-problems --problems 99999999999 -o " + dir.path() + "/p.jsonl")), "--problems must be");
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/p.jsonl"));
  CheckRefused(test::Run(Steptree("search --model " + Model() + " --problems 2 --mode greedy --threads -1 --output " +
                                  dir.path() + "/t.jsonl")),
               "--threads must be >= 0");
  CheckRefused(test::Run(Steptree("search --model " + Model() + " --problems 2 --mode maj --k 100000000 --output " +
                                  dir.path() + "/t.jsonl")),
               "search parameter k: expected an integer between 1 and 4096");
  const std::string config = dir.Write("sweep.json", "{\"synthetic\": 2, \"methods\": [{\"mode\": \"maj\", \"k\": [100000000]}]}");
  CheckRefused(test::Run(Steptree("sweep --config " + config + " --run-dir " + dir.path() + "/sweep")),
               "between 1 and 4096");
  const std::string file = dir.Write("a-file", "x\n");
  const std::string greedy = dir.Write("greedy.json", "{\"synthetic\": 2, \"methods\": [{\"mode\": \"greedy\"}]}");
  CheckRefused(test::Run(Steptree("sweep --config " + greedy + " --run-dir " + file)), "--run-dir " + file);
  CHECK(ReadFile(file) == "x\n");
  CheckRefused(test::Run(Steptree("evolve --run-dir " + file)), "--run-dir " + file);
  // Refusals come at once, before any model is loaded or any problem made.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));

  // More threads than cores: capped, with a note, same trees.
  const std::string out = dir.path() + "/many.jsonl";
  const auto many = test::Run(Steptree("search --model " + Model() + " --problems 2 --mode greedy --threads 1000 --output " + out));
  REQUIRE_MESSAGE(many.exit_code == 0, many.output);
  CHECK(many.output.find("note: --threads 1000 is more than") != std::string::npos);
  CHECK(ReadFile(out) == ReadFile(GreedyTrees()));
}

TEST_CASE("audit of trees without step truth (not synthetic) is an error, not a table of nan") {
  test::TempDir dir;
  const std::string data = dir.Write("gsm.jsonl", "{\"question\": \"Tom has 2 apples and buys 3. How many?\", \"answer\": \"5\"}\n");
  const std::string trees = dir.path() + "/trees.jsonl";
  const auto searched = test::Run(Steptree("search --model " + Model() + " --data " + data + " --mode greedy --threads 1 --output " + trees));
  REQUIRE_MESSAGE(searched.exit_code == 0, searched.output);
  const auto audit = test::Run(Steptree("audit --trees " + trees));
  CheckRefused(audit, trees + ": expected records of synthetic problems");
  CHECK(audit.output.find("nan") == std::string::npos);
}

}  // TEST_SUITE
