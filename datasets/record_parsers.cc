// Per-format record parsers: steptree (native), gsm8k, math and generic records.
#include "datasets/record_parsers.h"

#include <climits>
#include <cstddef>

#include "datasets/answer.h"
#include "datasets/answer_text.h"  // Trim
#include "core/input_error.h"

namespace steptree {
namespace {

using nlohmann::json;
using answer_text::Trim;

[[noreturn]] void Fail(const RecordContext& where, const std::string& expected) {
  throw InputError(where.file, where.line, expected);
}

void RequireObject(const json& record, const RecordContext& where) {
  if (!record.is_object()) Fail(where, std::string("a JSON object, found ") + record.type_name());
}

// "id", else "unique_id", else "<source>-<line>".
std::string RecordId(const json& record, const std::string& source, const RecordContext& where) {
  for (const char* field : {"id", "unique_id"}) {
    auto it = record.find(field);
    if (it == record.end() || it->is_null()) continue;
    if (it->is_number_integer()) return it->dump();
    if (!it->is_string()) {
      Fail(where, std::string("field \"") + field + "\" to be a string or an integer, found " +
                      it->type_name());
    }
    const std::string id = it->get<std::string>();
    if (Trim(id).empty()) Fail(where, std::string("field \"") + field + "\" to be non-empty");
    return id;
  }
  return source + "-" + std::to_string(where.line);
}

std::string RequireQuestion(const json& record, const std::string& field,
                            const RecordContext& where) {
  const std::string question = RequireString(record, field, where);
  if (Trim(question).empty()) {
    Fail(where, "field \"" + field + "\" to hold a question, found an empty string");
  }
  return question;
}

std::optional<std::string> NonEmpty(std::optional<std::string> text) {
  if (!text) return std::nullopt;
  std::string trimmed = Trim(*text);
  if (trimmed.empty()) return std::nullopt;
  return trimmed;
}

// The answer stated in `text`, else the whole text (a bare answer such as "42").
std::optional<std::string> AnswerOrWholeText(const std::string& text) {
  if (std::optional<std::string> extracted = NonEmpty(ExtractAnswer(text))) return extracted;
  return NonEmpty(text);
}

// +1 per opened \begin{..}, \[ or [asy] on the line, -1 per closed one.
int BlockDepthChange(const std::string& line) {
  int change = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const bool escaped = i > 0 && line[i - 1] == '\\';
    if (line.compare(i, 7, "\\begin{") == 0) ++change;
    if (line.compare(i, 5, "\\end{") == 0) --change;
    if (line.compare(i, 5, "[asy]") == 0) ++change;
    if (line.compare(i, 6, "[/asy]") == 0) --change;
    if (!escaped && line.compare(i, 2, "\\[") == 0) ++change;
    if (!escaped && line.compare(i, 2, "\\]") == 0) --change;
  }
  return change;
}

}  // namespace

bool HasField(const nlohmann::json& record, const char* field) {
  auto it = record.find(field);
  return it != record.end() && !it->is_null();
}

std::string StripCalculatorAnnotations(const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("<<", pos);
    if (open == std::string::npos) break;
    const size_t close = text.find(">>", open + 2);
    if (close == std::string::npos) break;
    out.append(text, pos, open - pos);
    pos = close + 2;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

std::vector<std::string> SplitSolutionSteps(const std::string& solution) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= solution.size()) {
    size_t end = solution.find('\n', start);
    if (end == std::string::npos) end = solution.size();
    lines.push_back(solution.substr(start, end - start));
    start = end + 1;
  }
  // Paragraph mode when some blank line separates two non-blank ones.
  bool paragraphs = false;
  {
    bool seen_text = false, blank_after_text = false;
    for (const std::string& line : lines) {
      const bool blank = Trim(line).empty();
      if (!blank && blank_after_text) paragraphs = true;
      if (blank && seen_text) blank_after_text = true;
      if (!blank) seen_text = true;
    }
  }
  std::vector<std::string> steps;
  std::string current;
  int depth = 0;
  auto flush = [&] {
    std::string step = Trim(current);
    if (!step.empty()) steps.push_back(step);
    current.clear();
    depth = 0;
  };
  for (const std::string& line : lines) {
    if (Trim(line).empty()) {
      if (depth <= 0) {
        flush();
      } else {
        current += "\n";
      }
      continue;
    }
    if (!current.empty()) current += "\n";
    current += line;
    depth += BlockDepthChange(line);
    if (depth < 0) depth = 0;
    if (!paragraphs && depth == 0) flush();
  }
  flush();
  // "...\boxed{5}.$The answer is: 5" -> two steps.
  if (!steps.empty()) {
    std::string& last = steps.back();
    const size_t pos = last.rfind("The answer is");
    if (pos != std::string::npos && pos > 0) {
      std::string head = Trim(last.substr(0, pos));
      std::string tail = Trim(last.substr(pos));
      if (!head.empty()) {
        last = head;
        steps.push_back(tail);
      }
    }
  }
  return steps;
}

std::optional<int> ParseMathLevel(const json& level, const RecordContext& where) {
  if (level.is_null()) return std::nullopt;
  if (level.is_number_integer()) {
    const auto value = level.get<long long>();
    if (value < INT_MIN || value > INT_MAX) Fail(where, "field \"level\" to fit an int");
    return static_cast<int>(value);
  }
  if (!level.is_string()) {
    Fail(where, std::string("field \"level\" to be a string (\"Level 3\") or an integer, found ") +
                    level.type_name());
  }
  std::string text = Trim(level.get<std::string>());
  if (text.compare(0, 5, "Level") == 0) text = Trim(text.substr(5));
  if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;  // "Level ?" occurs in MATH: no difficulty.
  }
  return std::stoi(text);
}

Problem ParseSteptreeRecord(const json& record, const RecordContext& where) {
  RequireObject(record, where);
  Problem p;
  p.question = RequireQuestion(record, "question", where);
  p.gold = NonEmpty(OptionalStringOrNumber(record, "answer", where));
  p.source = OptionalString(record, "source", where).value_or("steptree");
  if (p.source.empty()) Fail(where, "field \"source\" to be non-empty");
  if (HasField(record, "steps")) {
    const json& steps = record["steps"];
    if (!steps.is_array()) {
      Fail(where, std::string("field \"steps\" to be an array of strings, found ") +
                      steps.type_name());
    }
    for (size_t i = 0; i < steps.size(); ++i) {
      if (!steps[i].is_string()) {
        Fail(where, "field \"steps\" to hold strings, entry " + std::to_string(i + 1) + " is " +
                        steps[i].type_name());
      }
      p.reference_steps.push_back(steps[i].get<std::string>());
    }
  }
  if (HasField(record, "difficulty")) {
    const json& d = record["difficulty"];
    if (!d.is_number_integer()) {
      Fail(where, std::string("field \"difficulty\" to be an integer, found ") + d.type_name());
    }
    const auto value = d.get<long long>();
    if (value < INT_MIN || value > INT_MAX) Fail(where, "field \"difficulty\" to fit an int");
    p.difficulty = static_cast<int>(value);
  }
  p.id = RecordId(record, p.source, where);
  p.record = record;
  return p;
}

Problem ParseGsm8kRecord(const json& record, const RecordContext& where) {
  RequireObject(record, where);
  Problem p;
  p.source = "gsm8k";
  p.question = RequireQuestion(record, "question", where);
  const std::string answer = RequireString(record, "answer", where);
  const size_t mark = answer.rfind("####");
  if (mark == std::string::npos) {
    Fail(where, "field \"answer\" to end with a \"#### N\" line (GSM8K format), found no ####");
  }
  std::string gold = answer.substr(mark + 4);
  gold = Trim(gold.substr(0, gold.find('\n')));
  std::string without_commas;
  for (char c : gold) {
    if (c != ',') without_commas += c;
  }
  if (without_commas.empty()) Fail(where, "a final answer after \"####\" in field \"answer\"");
  p.gold = without_commas;
  const std::string solution = StripCalculatorAnnotations(answer.substr(0, mark));
  size_t start = 0;
  while (start < solution.size()) {
    size_t end = solution.find('\n', start);
    if (end == std::string::npos) end = solution.size();
    std::string step = Trim(solution.substr(start, end - start));
    if (!step.empty()) p.reference_steps.push_back(step);
    start = end + 1;
  }
  p.reference_steps.push_back("The answer is " + *p.gold);
  p.id = RecordId(record, p.source, where);
  p.record = record;
  return p;
}

Problem ParseMathRecord(const json& record, const RecordContext& where) {
  RequireObject(record, where);
  Problem p;
  p.source = "math";
  if (HasField(record, "problem")) {
    p.question = RequireQuestion(record, "problem", where);
  } else if (HasField(record, "question")) {
    p.question = RequireQuestion(record, "question", where);
  } else {
    Fail(where, "field \"problem\" (or \"question\"), it is missing");
  }
  if (HasField(record, "solution")) {
    // MATH as published: a worked solution, and maybe a separate short "answer".
    const std::string solution = RequireString(record, "solution", where);
    p.reference_steps = SplitSolutionSteps(solution);
    if (std::optional<std::string> answer = OptionalStringOrNumber(record, "answer", where)) {
      p.gold = AnswerOrWholeText(*answer);
    } else {
      p.gold = NonEmpty(ExtractAnswer(solution));
    }
  } else if (std::optional<std::string> answer = OptionalStringOrNumber(record, "answer", where)) {
    // "answer" holds either the worked solution (MATH500 here) or a bare answer ("5").
    if (std::optional<std::string> extracted = NonEmpty(ExtractAnswer(*answer))) {
      p.gold = extracted;
      p.reference_steps = SplitSolutionSteps(*answer);
    } else if (Trim(*answer).find('\n') == std::string::npos) {
      p.gold = NonEmpty(*answer);
    } else {
      p.reference_steps = SplitSolutionSteps(*answer);  // a solution stating no answer
    }
  }
  auto level = record.find("level");
  if (level != record.end()) p.difficulty = ParseMathLevel(*level, where);
  // "subject" / "type" stay in p.record; check their type so consumers can rely on it.
  OptionalString(record, "subject", where);
  OptionalString(record, "type", where);
  p.id = RecordId(record, p.source, where);
  p.record = record;
  return p;
}

Problem ParseGenericRecord(const json& record, const RecordContext& where,
                           const std::string& question_field, const std::string& answer_field) {
  RequireObject(record, where);
  Problem p;
  p.source = "generic";
  p.question = RequireQuestion(record, question_field, where);
  if (!answer_field.empty()) {
    if (std::optional<std::string> answer = OptionalStringOrNumber(record, answer_field, where)) {
      p.gold = AnswerOrWholeText(*answer);
    }
  }
  p.id = RecordId(record, p.source, where);
  p.record = record;
  return p;
}

}  // namespace steptree
