#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/input_error.h"
#include "core/jsonl.h"
#include "tests/test_util.h"

using namespace steptree;

TEST_SUITE("jsonl") {

TEST_CASE("utf8 validation") {
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("\xc3\xa9t\xc3\xa9 \xe2\x88\x92 \xf0\x9f\x98\x80"));
  CHECK_FALSE(IsValidUtf8("\xff"));
  CHECK_FALSE(IsValidUtf8("\xc3"));            // truncated sequence
  CHECK_FALSE(IsValidUtf8("\xc0\xaf"));        // overlong
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));    // surrogate
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
}

TEST_CASE("jsonl reader names file and line") {
  test::TempDir dir;
  const std::string path = dir.Write("a.jsonl", "{\"x\": 1}\n\n{\"x\": 2\n");
  JsonlReader reader(path);
  nlohmann::json record;
  REQUIRE(reader.Next(&record));
  CHECK(record["x"] == 1);
  try {
    reader.Next(&record);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.line() == 3);
    CHECK(std::string(e.what()).find(path + ":3: expected") == 0);
  }
}

TEST_CASE("jsonl reader rejects non-utf8 and empty files") {
  test::TempDir dir;
  JsonlReader bad(dir.Write("b.jsonl", "{\"x\": \"\xff\"}\n"));
  nlohmann::json record;
  CHECK_THROWS_AS(bad.Next(&record), InputError);
  JsonlReader empty(dir.Write("e.jsonl", ""));
  CHECK_FALSE(empty.Next(&record));
  CHECK_THROWS_AS(empty.RequireRecords(), InputError);
  CHECK_THROWS_AS(JsonlReader(dir.path() + "/missing.jsonl"), InputError);
}

TEST_CASE("field helpers report mistyped fields") {
  const std::string file = "f.jsonl";
  RecordContext where{file, 7};
  nlohmann::json record = {{"q", 3}, {"s", "text"}};
  CHECK(RequireString(record, "s", where) == "text");
  CHECK_THROWS_WITH_AS(RequireString(record, "q", where),
                       "f.jsonl:7: expected field \"q\" to be a string, found number", InputError);
  CHECK_THROWS_WITH_AS(RequireString(record, "missing", where),
                       "f.jsonl:7: expected field \"missing\", it is missing", InputError);
  CHECK(OptionalStringOrNumber(record, "q", where) == std::optional<std::string>("3"));
  CHECK_FALSE(OptionalString(record, "absent", where).has_value());
}

}  // TEST_SUITE
