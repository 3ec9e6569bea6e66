// Parameter tables: every parameter of a params struct declared once, as a row right beside
// the struct (GreedyParams::Table() ... DvtsParams::Table(), SearchConfig::Table()): its key
// (JSON key and, with '-' for '_', the CLI flag), one line of help, the field it sets, and the
// bounds of its values. search/config.h binds the rows of the configured mode to one
// SearchConfig; parsing text into a field, with its type and range checked, and the value as
// JSON or text all happen here, so every parameter is checked and written the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "search/answer_choice.h"  // AnswerBy
#include "search/terminal.h"       // TerminalReward

namespace steptree {

// Where the values a search ranks by come from.
enum class ValueSource {
  kModel,   // the model's value head
  kOracle,  // a perfect step and answer verifier on synthetic problems (search/oracle_values.h)
};
// "model" | "oracle"
const char* ValueSourceName(ValueSource source);
std::optional<ValueSource> ValueSourceFromName(const std::string& name);

// Upper bounds of numeric parameters: far above any budget that finishes, low enough that a
// typo (k 100000000) is refused at once (exit 2) instead of running without end or
// allocating what the machine cannot hold.
constexpr double kMaxSamples = 4096;        // maj k, bon n, dvts n: solutions per problem
constexpr double kMaxBranching = 256;       // b2, dvts m, parallel_rollouts: children per expansion
constexpr double kMaxBeam = 1024;           // sbs b1
constexpr double kMaxIterations = 100000;   // mcts iterations
constexpr double kMaxDepthBound = 1000;     // max_depth: steps per solution
constexpr double kMaxTemperature = 100;
constexpr double kMaxCpuct = 1e6;
constexpr double kUnbounded = 1e300;

// Whether a parameter is always written, or only when set.
enum class ParamPresence {
  kAlways,         // in every config's JSON; one of the mode's parameters (DescribeParams, --help)
  kUnlessDefault,  // in the JSON only when not the default, so configs written before it keep
                   // their exact text; not listed among the mode's parameters (value_source:
                   // a flag of its own)
};

// A field of one params struct, as a pointer.
// A list of texts (stop strings) reads as a JSON array of strings, or one bare text that is
// not such an array; it is written as a JSON array.
using TextList = std::vector<std::string>;
using FieldRef = std::variant<int*, double*, uint64_t*, AnswerBy*, TerminalReward*, ValueSource*, TextList*>;

// A row bound to one struct: what ParseInto, ValueOf and TextOf work on.
struct Param {
  const char* key;   // JSON key and CLI flag name
  const char* help;  // one line for --help
  FieldRef field;    // the field it sets
  double min;        // lower bound of numeric values
  double max = kUnbounded;  // upper bound of numeric values
  ParamPresence presence = ParamPresence::kAlways;
};

// One parameter of the struct Params: a field and how it is set and shown.
template <typename Params>
struct ParamRow {
  using Member = std::variant<int Params::*, double Params::*, uint64_t Params::*, AnswerBy Params::*,
                              TerminalReward Params::*, ValueSource Params::*, TextList Params::*>;
  const char* key;   // JSON key and CLI flag name
  const char* help;  // one line for --help
  Member field;      // the field it sets
  double min;        // lower bound of numeric values
  double max = kUnbounded;  // upper bound of numeric values
  ParamPresence presence = ParamPresence::kAlways;

  // This row, setting the field of *params.
  Param Bind(Params* params) const {
    const FieldRef ref = std::visit([params](auto member) -> FieldRef { return &(params->*member); }, field);
    return {key, help, ref, min, max, presence};
  }
};

// Every row of `table`, setting the fields of *params.
template <typename Params>
std::vector<Param> BindAll(const std::vector<ParamRow<Params>>& table, Params* params) {
  std::vector<Param> bound;
  for (const ParamRow<Params>& row : table) bound.push_back(row.Bind(params));
  return bound;
}

// The row of `key` in `table`; std::logic_error when there is none (a mistyped key in code).
template <typename Params>
const ParamRow<Params>& RowOf(const std::vector<ParamRow<Params>>& table, const std::string& key) {
  for (const ParamRow<Params>& row : table) {
    if (key == row.key) return row;
  }
  throw std::logic_error("no parameter " + key + " in this table");
}

// Parameters several modes share: one key, one help text, one range.
template <typename Params>
ParamRow<Params> MaxDepthRow(int Params::*field) {
  return {"max_depth", "steps before an unfinished solution is cut (reward -1)", field, 1, kMaxDepthBound};
}
template <typename Params>
ParamRow<Params> TemperatureRow(double Params::*field) {
  return {"temperature", "sampling temperature (0 = greedy)", field, 0, kMaxTemperature};
}
template <typename Params>
ParamRow<Params> CandidatesPerNodeRow(int Params::*field) {
  return {"b2", "candidate steps sampled per expanded node", field, 1, kMaxBranching};
}

// Parses `text` ("5", "0.6", "q_value") into the parameter's field, checking type and range;
// throws UsageError "search parameter KEY: expected ..., got \"TEXT\"".
void ParseInto(const Param& param, const std::string& text);
// The field's value as JSON: numbers, or names for the enums.
nlohmann::ordered_json ValueOf(const Param& param);
// The value as flag text: strings bare, numbers as JSON prints them.
std::string TextOf(const Param& param);

}  // namespace steptree
