// The label audit (export/audit.h) on the hand-built tree of tests/export_fixtures.h,
// whose true step correctness is known: every figure is worked out by hand below.
#include <doctest/doctest.h>

#include <cmath>

#include "core/input_error.h"
#include "export/audit.h"
#include "export/exporter.h"
#include "export/step_truth.h"
#include "tests/export_fixtures.h"
#include "tests/test_util.h"

using namespace steptree;
using nlohmann::json;

namespace {

json AuditFixture(const AuditOptions& options, const std::string& source = "synthetic") {
  test::TempDir dir;
  const std::string file = dir.Write("trees.jsonl", test::FixtureTreeRecord("p1", source).dump() + "\n");
  AuditReport report;
  AuditTreeFile(file, options, &report);
  return AuditReportToJson(report, options);
}

json AuditExportOf(ExportFormat format, const std::string& audit_format, StepLabelRule labels = StepLabelRule::kHard) {
  test::TempDir dir;
  const std::string trees = dir.Write("trees.jsonl", test::FixtureTreeRecord().dump() + "\n");
  ExportOptions options;
  options.format = format;
  options.labels = labels;
  options.max_incorrect = kNoPathLimit;
  const std::string out = dir.path() + "/export.jsonl";
  ExportTrees({trees}, options, out);
  AuditReport report;
  const AuditOptions audit;
  AuditExport(out, audit_format, audit, &report);
  return AuditReportToJson(report, audit);
}

}  // namespace

TEST_CASE("audit truth: prefix and step rules") {
  const std::vector<std::string> steps = {"2*3=5", "5+4=9", "The answer is 10"};
  CHECK(PathTruth("q", steps, true, TruthRule::kStep) == std::vector<bool>{false, true, true});
  CHECK(PathTruth("q", steps, true, TruthRule::kPrefix) == std::vector<bool>{false, false, false});
  CHECK(PathTruth("q", {"2*3=6", "6+4=11", "The answer is 11"}, false, TruthRule::kPrefix) ==
        std::vector<bool>{true, false, false});
  CHECK(HasWrongStep("q", {"2*3=6", "6/4=1"}));
  CHECK_FALSE(HasWrongStep("q", {"2*3=6", "8/4=2"}));
}

TEST_CASE("audit of a tree: hard and soft labels against prefix truth") {
  const json report = AuditFixture(AuditOptions{});
  CHECK(report["audited"] == 1);
  CHECK(report["steps"] == 10);
  CHECK(report["truth"] == "prefix");
  CHECK(report["truly_good_share"].get<double>() == doctest::Approx(0.3));
  // Hard: the lucky path's three steps are labelled good but are not (prefix truth).
  const json& hard = report["prm_hard"];
  CHECK(hard["tp"] == 3);
  CHECK(hard["fp"] == 3);
  CHECK(hard["fn"] == 0);
  CHECK(hard["tn"] == 4);
  CHECK(hard["accuracy"].get<double>() == doctest::Approx(0.7));
  CHECK(hard["precision"].get<double>() == doctest::Approx(0.5));
  CHECK(hard["recall"].get<double>() == doctest::Approx(1.0));
  // Soft-q at 0.5: Q(2*3=5) = -1/3 marks the lucky path bad, but its final answer is right.
  const json& soft = report["prm_soft"];
  CHECK(soft["tp"] == 3);
  CHECK(soft["fp"] == 1);
  CHECK(soft["tn"] == 6);
  CHECK(soft["accuracy"].get<double>() == doctest::Approx(0.9));
  CHECK(soft["precision"].get<double>() == doctest::Approx(0.75));
  CHECK(soft["threshold"].get<double>() == 0.5);
  CHECK(soft["auc"].get<double>() == doctest::Approx(18.5 / 21));
  // Soft-frac: 2*3=6 has 1 correct of 3 terminals below (< 0.5): a false negative.
  const json& frac = report["prm_soft_frac"];
  CHECK(frac["tp"] == 2);
  CHECK(frac["fp"] == 3);
  CHECK(frac["fn"] == 1);
  CHECK(frac["accuracy"].get<double>() == doctest::Approx(0.6));
  CHECK(report["prm_hard_by_difficulty"]["2"]["n"] == 10);
}

TEST_CASE("audit of a tree with step truth") {
  AuditOptions options;
  options.truth = TruthRule::kStep;
  const json hard = AuditFixture(options)["prm_hard"];
  CHECK(hard["tp"] == 5);
  CHECK(hard["fp"] == 1);  // "2*3=5" alone
  CHECK(hard["tn"] == 4);
  CHECK(hard["accuracy"].get<double>() == doctest::Approx(0.9));
  CHECK(hard["precision"].get<double>() == doctest::Approx(5.0 / 6));
}

TEST_CASE("audit of a tree: value and Q AUC by depth") {
  const json report = AuditFixture(AuditOptions{});
  // Depth 1: both steps have a correct answer below: one class, no AUC.
  CHECK(report["value_auc_by_depth"]["1"].is_null());
  // Depth 2: V = 0.5 (good), 0.4 (bad), 0.1 (good, the merged 5+4=9).
  CHECK(report["value_auc_by_depth"]["2"].get<double>() == doctest::Approx(0.5));
  CHECK(report["value_auc"].get<double>() == doctest::Approx(0.25));
  CHECK(report["q_auc_by_depth"]["2"].get<double>() == doctest::Approx(1.0));
}

TEST_CASE("audit of a tree: correct answers with a wrong step, before and after the sft cap") {
  const json all = AuditFixture(AuditOptions{});
  CHECK(all["correct_answer_wrong_step_share"].get<double>() == doctest::Approx(0.5));
  CHECK(all["correct_answer_wrong_step"]["trees"]["paths"] == 2);
  CHECK(all["correct_answer_wrong_step"]["pruned"]["with_wrong_step"] == 1);
  CHECK(all["correct_answer_wrong_step"]["exported"]["paths"] == 2);
  AuditOptions capped;
  capped.max_correct = 1;  // keeps the most visited correct path, the clean one
  const json one = AuditFixture(capped);
  CHECK(one["correct_answer_wrong_step"]["exported"]["paths"] == 1);
  CHECK(one["correct_answer_wrong_step"]["exported"]["share"].get<double>() == 0.0);
  CHECK(one["correct_answer_wrong_step"]["exported"]["max_correct"] == 1);
}

TEST_CASE("audit of a tree: the pairs an export would hold") {
  const json pairs = AuditFixture(AuditOptions{})["pairs"];
  CHECK(pairs["n"] == 3);
  CHECK(pairs["chosen_good"] == 2);  // not the lucky "The answer is 10" after 2*3=5
  CHECK(pairs["rejected_bad"] == 3);
  CHECK(pairs["agree"] == 2);
  CHECK(pairs["agree_share"].get<double>() == doctest::Approx(2.0 / 3));
}

TEST_CASE("audit skips trees that are not synthetic") {
  const json report = AuditFixture(AuditOptions{}, "gsm8k");
  CHECK(report["records"] == 1);
  CHECK(report["not_synthetic"] == 1);
  CHECK(report["audited"] == 0);
  CHECK(report["prm_hard"].is_null());
}

TEST_CASE("audit of exports: prm hard labels and value Q") {
  const json prm = AuditExportOf(ExportFormat::kPrm, "prm");
  CHECK(prm["input"] == "prm export");
  CHECK(prm["steps"] == 15);
  CHECK(prm["prm_hard"]["tp"] == 6);
  CHECK(prm["prm_hard"]["fp"] == 5);
  CHECK(prm["prm_hard"]["fn"] == 0);
  CHECK(prm["prm_hard"]["tn"] == 4);
  CHECK(prm["prm_soft"].is_null());
  CHECK(prm["correct_answer_wrong_step"]["export"]["share"].get<double>() == doctest::Approx(0.5));

  // A soft-q export: the same hard labels, and its "scores" audited as soft labels.
  const json soft = AuditExportOf(ExportFormat::kPrm, "prm", StepLabelRule::kSoftQ);
  CHECK(soft["prm_hard"] == prm["prm_hard"]);
  REQUIRE(soft["prm_soft"].is_object());
  CHECK(soft["prm_soft"]["n"] == 15);

  const json value = AuditExportOf(ExportFormat::kValue, "value");
  CHECK(value["prm_soft"]["tp"] == 6);
  CHECK(value["prm_soft"]["fp"] == 1);
  CHECK(value["prm_soft"]["tn"] == 8);
  CHECK(value["prm_soft"]["accuracy"].get<double>() == doctest::Approx(14.0 / 15));
  CHECK(value["q_auc_by_depth"]["1"].get<double>() == doctest::Approx(2.5 / 6));
  CHECK(value["q_auc_by_depth"]["2"].get<double>() == doctest::Approx(4.0 / 6));
  CHECK(value["value_auc_by_depth"].is_null());
}

TEST_CASE("audit of an export without gold or of the wrong layout is an input error") {
  test::TempDir dir;
  AuditReport report;
  const std::string no_gold = dir.Write("p.jsonl", R"({"prompt": "q", "completions": ["The answer is 1"], "labels": [true]})" "\n");
  CHECK_THROWS_AS(AuditExport(no_gold, "prm", AuditOptions{}, &report), InputError);
  const std::string bad_scores = dir.Write(
      "s.jsonl", R"({"prompt": "q", "completions": ["The answer is 1"], "labels": [true], "scores": [1.5], "gold": "1"})" "\n");
  CHECK_THROWS_WITH_AS(AuditExport(bad_scores, "prm", AuditOptions{}, &report), doctest::Contains("scores[0]"), InputError);
  const std::string value_last = dir.Write("v.jsonl", R"({"question": "q", "steps": [{"step": "1+1=2", "Q": 0.5}]})" "\n");
  try {
    AuditExport(value_last, "value", AuditOptions{}, &report);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.line() == 1);
  }
}

TEST_CASE("audit command: --json keys, exit 2 on bad usage") {
  test::TempDir dir;
  const std::string trees = dir.Write("trees.jsonl", test::FixtureTreeRecord().dump() + "\n");
  const test::CommandResult r = test::Run(test::Binary() + " audit --trees " + trees + " --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const json report = json::parse(r.output);
  for (const char* key : {"prm_hard", "prm_soft", "value_auc_by_depth", "correct_answer_wrong_step_share"}) {
    CHECK_MESSAGE(report.contains(key), key);
  }
  CHECK(report["prm_hard"]["accuracy"].get<double>() == doctest::Approx(0.7));
  const test::CommandResult text = test::Run(test::Binary() + " audit --trees " + trees);
  CHECK(text.exit_code == 0);
  CHECK(text.output.find("prm hard") != std::string::npos);
  CHECK(test::Run(test::Binary() + " audit --export " + trees).exit_code == 2);
  CHECK(test::Run(test::Binary() + " audit --export " + trees + " --format prm").exit_code == 2);
}
