// The doctest runner for every suite in tests/, and the census that proves they all ran.
//
// ctest runs this binary once per test file and once per prerequisite suite (CMakeLists.txt),
// so libtorch loads once per file rather than once per case. A listener appends one JSON line
// per executed test case to $STEPTREE_TEST_RECORD_DIR/<pid>.jsonl:
//   {"file": "tests/test_cli.cc", "name": "...", "suite": "cli", "failed": false, "skipped": ""}
// `steptree_tests --census DIR` (scripts/test.sh, after ctest) compares those records with
// the cases doctest lists and fails unless every listed case ran exactly once; it prints the
// skipped cases with their reasons, and under CI=true a skip fails it (the set-up script
// provides every prerequisite).
//
// Exit codes of a run: doctest's when a case failed; 1 when the filters matched no test case
// (a ctest entry that runs nothing must not pass) or a case outside a needs-* suite skipped;
// 77 when every case passed but one skipped (part of) its work for want of a prerequisite
// (ctest's SKIP_RETURN_CODE, so ctest reports the entry as skipped); 0 otherwise.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/test_util.h"

namespace steptree::test {
namespace {

constexpr int kSkipReturnCode = 77;
constexpr const char* kPrerequisiteSuitePrefix = "needs-";

struct CaseRecord {
  std::string file;  // relative to the source tree: tests/test_x.cc
  std::string name;
  std::string suite;
  bool failed = false;
  std::string skipped;  // the reason; empty when the case did all its work
};

// What this process ran, filled by the listener.
struct RunLog {
  std::vector<CaseRecord> cases;
  std::vector<CaseRecord> listed;  // the cases a --list-test-cases query reported
  std::string current_skip;
};
RunLog& Log() {
  static RunLog log;
  return log;
}

std::string RelativeFile(const char* file) {
  const std::string path = file;
  const size_t at = path.rfind("tests/");
  return at == std::string::npos ? path : path.substr(at);
}

CaseRecord RecordOf(const doctest::TestCaseData& tc) {
  CaseRecord r;
  r.file = RelativeFile(tc.m_file.c_str());
  r.name = tc.m_name;
  r.suite = tc.m_test_suite ? tc.m_test_suite : "";
  return r;
}

// Sees every test case start and end, and the answer to a --list-test-cases query.
class CaseRecorder : public doctest::IReporter {
 public:
  explicit CaseRecorder(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData& query) override {
    for (unsigned i = 0; i < query.num_data; ++i) Log().listed.push_back(RecordOf(*query.data[i]));
  }
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData& tc) override {
    current_ = RecordOf(tc);
    Log().current_skip.clear();
  }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
    current_.failed = !stats.testCaseSuccess;
    current_.skipped = Log().current_skip;
    Log().cases.push_back(current_);
  }
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}

 private:
  CaseRecord current_;
};
REGISTER_LISTENER("steptree-case-recorder", 1, CaseRecorder);

nlohmann::json ToJson(const CaseRecord& r) {
  return {{"file", r.file}, {"name", r.name}, {"suite", r.suite}, {"failed", r.failed}, {"skipped", r.skipped}};
}

void WriteRecords(const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream out(dir + "/" + std::to_string(::getpid()) + ".jsonl", std::ios::app);
  for (const CaseRecord& r : Log().cases) out << ToJson(r).dump() << "\n";
  if (!out) std::cerr << "test records: cannot write to " << dir << "\n";
}

std::string Key(const CaseRecord& r) { return r.file + ": " + r.name; }

// The census: every listed case ran exactly once. Returns the process exit code.
int Census(const std::string& dir, int argc, char** argv) {
  // doctest's own listing (every registered case the default filters let through), heard
  // by the listener; its text goes to /dev/null.
  const char* list_argv[] = {argc > 0 ? argv[0] : "steptree_tests", "--list-test-cases", "--out=/dev/null"};
  doctest::Context list(3, list_argv);
  list.run();
  std::map<std::string, int> runs;
  for (const CaseRecord& r : Log().listed) runs[Key(r)] = 0;

  std::vector<CaseRecord> executed;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    std::cerr << "test census: " << dir << ": no test records (run ctest first)\n";
    return 1;
  }
  int processes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".jsonl") continue;
    ++processes;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) {
        std::cerr << "test census: " << entry.path().string() << ": expected JSON lines\n";
        return 1;
      }
      CaseRecord r{j.value("file", ""), j.value("name", ""), j.value("suite", ""), j.value("failed", false),
                   j.value("skipped", "")};
      executed.push_back(r);
      ++runs[Key(r)];
    }
  }
  int problems = 0;
  for (const auto& [key, count] : runs) {
    if (count == 1) continue;
    std::cout << "test census: " << key << ": ran " << count << " times (expected once)\n";
    ++problems;
  }
  std::vector<const CaseRecord*> skipped;
  for (const CaseRecord& r : executed) {
    if (!r.skipped.empty()) skipped.push_back(&r);
  }
  std::cout << "test census: " << Log().listed.size() << " test cases listed, " << executed.size()
            << " executed in " << processes << " processes, " << skipped.size() << " skipped\n";
  for (const CaseRecord* r : skipped) std::cout << "  skipped: " << Key(*r) << ": " << r->skipped << "\n";
  const char* ci = std::getenv("CI");
  if (!skipped.empty() && ci && std::string(ci) == "true") {
    std::cout << "test census: under CI=true no test may skip: scripts/setup.sh provides every prerequisite "
                 "(the data sets in ../shared/data, the npm reference, python3-torch)\n";
    ++problems;
  }
  return problems == 0 ? 0 : 1;
}

}  // namespace

void RecordSkip(const std::string& reason) {
  std::string& skip = Log().current_skip;
  if (skip.find(reason) == std::string::npos) skip += (skip.empty() ? "" : "; ") + reason;
  std::cout << "SKIPPED: " << reason << std::endl;
}

}  // namespace steptree::test

int main(int argc, char** argv) {
  using namespace steptree::test;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--census") == 0) {
      if (i + 1 >= argc) {
        std::cerr << "usage: steptree_tests --census RECORD_DIR\n";
        return 2;
      }
      return Census(argv[i + 1], argc, argv);
    }
  }
  doctest::Context context(argc, argv);
  const int failed = context.run();
  if (context.shouldExit()) return failed;  // a query (--list-test-cases, --help, ...)
  if (const char* dir = std::getenv("STEPTREE_TEST_RECORD_DIR")) WriteRecords(dir);
  if (failed != 0) return failed;
  if (Log().cases.empty()) {
    std::cerr << "steptree_tests: no test case matched the filters\n";
    return 1;
  }
  bool skipped = false;
  for (const CaseRecord& r : Log().cases) {
    if (r.skipped.empty()) continue;
    if (r.suite.rfind(kPrerequisiteSuitePrefix, 0) != 0) {
      std::cerr << "steptree_tests: " << Key(r) << " skipped (" << r.skipped << ") but is not in a "
                << kPrerequisiteSuitePrefix << "* suite\n";
      return 1;
    }
    skipped = true;
  }
  return skipped ? kSkipReturnCode : 0;
}
