// The one flag convention of the commands (app/command_flags.h): `--config FILE` (JSON or
// YAML, keys the long flag names, the command line overriding it), the resolved config
// written next to a run's outputs that reproduces the run byte for byte, and the old flag
// names still accepted with a deprecation note.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/cli_fixtures.h"
#include "tests/test_util.h"

using namespace steptree;
using steptree::test::ReadFile;
using steptree::test::Steptree;
using steptree::test::TinyModel;

namespace {

size_t Count(const std::string& text, const std::string& piece) {
  size_t n = 0;
  for (size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1)) ++n;
  return n;
}

// Runs `command` writing `first`, then `--config first.config.json` with `rest` (which
// points the outputs elsewhere), and returns the second run's resolved config.
nlohmann::json RunTwice(const std::string& command, const std::string& first, const std::string& rest) {
  const auto r1 = test::Run(Steptree(command));
  REQUIRE_MESSAGE(r1.exit_code == 0, r1.output);
  REQUIRE(std::filesystem::exists(first + ".config.json"));
  const auto r2 = test::Run(Steptree(command.substr(0, command.find(' ')) + " --config " + first + ".config.json " + rest));
  REQUIRE_MESSAGE(r2.exit_code == 0, r2.output);
  CHECK(r2.output.find("deprecated") == std::string::npos);
  return nlohmann::json::parse(ReadFile(first + ".config.json"));
}

}  // namespace

TEST_SUITE("cli") {

TEST_CASE("the resolved config of gen-problems, search, export and eval reproduces each run byte for byte" *
          doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  const std::string d = dir.path() + "/";

  // gen-problems: every flag in the resolved config, defaults included, under its new name.
  const nlohmann::json problems = RunTwice("gen-problems --problems 12 --seed 5 --difficulty 2-4 -o " + d + "p1.jsonl",
                                           d + "p1.jsonl", "-o " + d + "p2.jsonl");
  CHECK(ReadFile(d + "p1.jsonl") == ReadFile(d + "p2.jsonl"));
  CHECK(problems["problems"] == 12);
  CHECK(problems["seed"] == 5);
  CHECK(problems["word-share"] == 0.5);
  CHECK(problems["output"] == d + "p1.jsonl");
  CHECK(problems["json"] == false);
  CHECK(!problems.contains("n"));
  CHECK(!problems.contains("config"));
  CHECK(!problems.contains("help"));
  CHECK(nlohmann::json::parse(ReadFile(d + "p2.jsonl.config.json"))["output"] == d + "p2.jsonl");

  // search, on those problems, with value targets (a second output, pointed elsewhere too).
  const std::string search = "search --model " + TinyModel() + " --data " + d + "p1.jsonl --mode mcts --iterations 4 " +
                             "--max-depth 3 --seed 3 --threads 1 --allow-untrained-value --value-targets " + d +
                             "v1.jsonl -o " + d + "t1.jsonl";
  const nlohmann::json searched =
      RunTwice(search, d + "t1.jsonl", "--output " + d + "t2.jsonl --value-targets " + d + "v2.jsonl");
  CHECK(ReadFile(d + "t1.jsonl") == ReadFile(d + "t2.jsonl"));
  CHECK(ReadFile(d + "v1.jsonl") == ReadFile(d + "v2.jsonl"));
  CHECK(searched["iterations"] == "4");  // search parameters are text flags
  CHECK(searched["problem-seed"] == 2026);
  CHECK(!searched.contains("out"));

  // export: --trees is a list in the config.
  const nlohmann::json exported =
      RunTwice("export --trees " + d + "t1.jsonl --format prm --labels soft-q --max-incorrect all -o " + d + "e1.jsonl",
               d + "e1.jsonl", "-o " + d + "e2.jsonl");
  CHECK(ReadFile(d + "e1.jsonl") == ReadFile(d + "e2.jsonl"));
  CHECK(exported["trees"] == nlohmann::json::array({d + "t1.jsonl"}));
  CHECK(exported["min-visits"] == 1);

  // eval, sampled: a float flag (--temperature) round-trips exactly.
  const nlohmann::json evaluated = RunTwice("eval --model " + TinyModel() + " --problems 6 --max-steps 3 --mode sample " +
                                                "--temperature 0.7 --seed 3 --threads 1 -o " + d + "s1.jsonl",
                                            d + "s1.jsonl", "-o " + d + "s2.jsonl");
  CHECK(ReadFile(d + "s1.jsonl") == ReadFile(d + "s2.jsonl"));
  CHECK(evaluated["temperature"] == 0.7);
  CHECK(evaluated["problem-seed"] == 2026);
}

TEST_CASE("--config takes YAML or JSON, the command line overrides it, and bad keys or values are refused" *
          doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  const std::string d = dir.path() + "/";
  const std::string yaml = dir.Write("c.yaml", "# twelve problems\nproblems: 12\nseed: 5\noutput: " + d + "y.jsonl\n");
  REQUIRE(test::Run(Steptree("gen-problems --config " + yaml)).exit_code == 0);
  REQUIRE(test::Run(Steptree("gen-problems --problems 12 --seed 5 -o " + d + "flags.jsonl")).exit_code == 0);
  CHECK(ReadFile(d + "y.jsonl") == ReadFile(d + "flags.jsonl"));
  // Flags given on the command line win over the file's.
  REQUIRE(test::Run(Steptree("gen-problems --config " + yaml + " --problems 3 -o " + d + "three.jsonl")).exit_code == 0);
  const std::string three = ReadFile(d + "three.jsonl");
  CHECK(std::count(three.begin(), three.end(), '\n') == 3);
  const std::string json = dir.Write("c.json", "{\"problems\": 2, \"json\": true, \"output\": \"" + d + "j.jsonl\"}");
  const auto from_json = test::Run(Steptree("gen-problems --config " + json));
  REQUIRE_MESSAGE(from_json.exit_code == 0, from_json.output);
  CHECK(test::LastJsonObject(from_json.output)["n"] == 2);

  const std::string unknown = dir.Write("unknown.yaml", "problems: 2\nbogus: 1\n");
  auto r = test::Run(Steptree("gen-problems --config " + unknown + " -o " + d + "x.jsonl"));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find(unknown + ":2: expected flags of steptree gen-problems as keys, but \"bogus\" is not one") !=
                    std::string::npos,
                r.output);
  const std::string old_name = dir.Write("old.yaml", "n: 2\n");
  r = test::Run(Steptree("gen-problems --config " + old_name + " -o " + d + "x.jsonl"));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find("a deprecated name: use \"problems\"") != std::string::npos, r.output);
  const std::string wrong_type = dir.Write("type.json", "{\n  \"problems\": \"twelve\"\n}\n");
  r = test::Run(Steptree("gen-problems --config " + wrong_type + " -o " + d + "x.jsonl"));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find(wrong_type + ":2: expected \"problems\" to be an integer, got \"twelve\"") !=
                    std::string::npos,
                r.output);
  const std::string bad_switch = dir.Write("switch.yaml", "json: yes please\n");
  r = test::Run(Steptree("gen-problems --config " + bad_switch + " -o " + d + "x.jsonl"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("\"json\" to be true or false") != std::string::npos);
  const std::string not_a_map = dir.Write("list.yaml", "- problems\n");
  CHECK(test::Run(Steptree("gen-problems --config " + not_a_map + " -o " + d + "x.jsonl")).exit_code == 2);
  const std::string broken = dir.Write("broken.json", "{\"problems\": 2,");
  CHECK(test::Run(Steptree("gen-problems --config " + broken + " -o " + d + "x.jsonl")).exit_code == 2);
  CHECK(test::Run(Steptree("gen-problems --config " + d + "missing.yaml -o " + d + "x.jsonl")).exit_code == 2);
  CHECK(!std::filesystem::exists(d + "x.jsonl"));
}

TEST_CASE("old flag names still work, hidden from --help, each use printing one deprecation note" *
          doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  const std::string d = dir.path() + "/";
  // A one-letter flag (gen-problems -n, also as --n=N) and long ones (search --out,
  // --synthetic); a directory flag (--out-dir) is in the demo's test.
  const auto old_short = test::Run(Steptree("gen-problems -n 4 --seed 2 -o " + d + "old.jsonl"));
  REQUIRE_MESSAGE(old_short.exit_code == 0, old_short.output);
  CHECK(Count(old_short.output, "steptree gen-problems: -n is deprecated; use --problems\n") == 1);
  REQUIRE(test::Run(Steptree("gen-problems --problems 4 --seed 2 -o " + d + "new.jsonl")).exit_code == 0);
  CHECK(ReadFile(d + "old.jsonl") == ReadFile(d + "new.jsonl"));
  CHECK(test::Run(Steptree("gen-problems --n=4 --seed 2 -o " + d + "old2.jsonl")).exit_code == 0);
  CHECK(ReadFile(d + "old2.jsonl") == ReadFile(d + "new.jsonl"));
  // The resolved config carries the new names only.
  const nlohmann::json resolved = nlohmann::json::parse(ReadFile(d + "old.jsonl.config.json"));
  CHECK(resolved["problems"] == 4);
  CHECK(!resolved.contains("n"));

  const std::string common = "search --model " + TinyModel() + " --mode greedy --max-depth 2 --threads 1";
  const auto old_long = test::Run(Steptree(common + " --synthetic 2 --out " + d + "old-trees.jsonl"));
  REQUIRE_MESSAGE(old_long.exit_code == 0, old_long.output);
  CHECK(Count(old_long.output, "steptree search: --out is deprecated; use --output\n") == 1);
  CHECK(Count(old_long.output, "steptree search: --synthetic is deprecated; use --problems\n") == 1);
  const auto new_long = test::Run(Steptree(common + " --problems 2 -o " + d + "new-trees.jsonl"));
  REQUIRE_MESSAGE(new_long.exit_code == 0, new_long.output);
  CHECK(new_long.output.find("deprecated") == std::string::npos);
  CHECK(ReadFile(d + "old-trees.jsonl") == ReadFile(d + "new-trees.jsonl"));
  // A value that looks like an old flag name is a value, not a flag.
  const auto value = test::Run(Steptree("grade --pred --out --gold --out"));
  CHECK(value.output.find("deprecated") == std::string::npos);

  // --help lists the new names only.
  const std::string help = test::Run(Steptree("search --help")).output;
  CHECK(help.find("--output") != std::string::npos);
  CHECK(help.find("--out ") == std::string::npos);
  CHECK(help.find("--synthetic") == std::string::npos);
  CHECK(help.find("--config") != std::string::npos);
  const std::string demo_help = test::Run(Steptree("demo --help")).output;
  CHECK(demo_help.find("--out-dir") == std::string::npos);
  CHECK(demo_help.find("--run-dir") != std::string::npos);
  CHECK(test::Run(Steptree("gen-problems --help")).output.find("  -n,") == std::string::npos);
}

}  // TEST_SUITE
