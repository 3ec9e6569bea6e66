// The resolved configuration of a search run: which search, all of its parameters, the
// seed, the reward mode and the value source. Every parameter is declared ONCE, in the
// table beside its field (search/param_table.h): a mode's in its params struct
// (GreedyParams::Table() in search/greedy.h ... DvtsParams::Table() in search/dvts.h), the
// run-wide ones in SearchConfig::Table() below. A row holds the key, the help text, the
// bounds and the field it sets; parsing, range checks, the JSON and the flags all come from
// it. The JSON keys written into every output record and the CLI flag names are the same keys:
//
//   mode      keys (besides seed, terminal_reward)
//   greedy    max_depth
//   maj       k, temperature, max_depth
//   bon       n, temperature, max_depth
//   sbs       b1, b2, temperature, max_depth
//   mcts      iterations, b2, temperature, c_puct, max_depth, parallel_rollouts, answer_by
//   dvts      n, m, temperature, max_depth                 (n a multiple of m)
//
// Values: integers and numbers as JSON numbers (or decimal text), answer_by as
// "q_value" | "value" | "visits" | "majority", terminal_reward as "gold" | "value" | "target".
// Every mode also takes value_source "model" | "oracle", written only when "oracle" (its
// own flag, --value-source; not among the keys above), and the step controls top_k, top_p,
// max_step_tokens, max_new_tokens and stop (a list of texts), each written only when not
// its default (flags of their own too).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/input_error.h"  // UsageError
#include "search/best_of_n.h"
#include "search/dvts.h"
#include "search/greedy.h"
#include "search/majority.h"
#include "search/mcts_search.h"
#include "search/param_table.h"
#include "search/sbs.h"
#include "search/terminal.h"

namespace steptree {

enum class SearchMode { kGreedy, kMajority, kBestOfN, kSbs, kMcts, kDvts };
// Every mode, in the order above.
const std::vector<SearchMode>& AllSearchModes();
// "greedy" | "maj" | "bon" | "sbs" | "mcts" | "dvts"
const char* SearchModeName(SearchMode mode);
std::optional<SearchMode> SearchModeFromName(const std::string& name);
// Every mode's name, for messages: "greedy, maj, bon, sbs, mcts or dvts".
std::string SearchModeNameList();

struct SearchConfig {
  SearchMode mode = SearchMode::kGreedy;               // which search runs
  GreedyParams greedy;                                 // used when mode is greedy
  MajorityParams maj;                                  // used when mode is maj
  BestOfNParams bon;                                   // used when mode is bon
  SbsParams sbs;                                       // used when mode is sbs
  MctsParams mcts;                                     // used when mode is mcts
  DvtsParams dvts;                                     // used when mode is dvts
  uint64_t seed = 1;                                   // every sample's seed derives from it
  TerminalReward terminal_reward = TerminalReward::kGold;  // gold: data generation; value, target: inference
  // kOracle: values from a perfect process verifier instead of the value head
  // (search/oracle_values.h): the upper bound of what a verifier could buy. JSON
  // "value_source": "oracle", written only when set (absent = "model"), so model-valued
  // configs keep their exact text.
  ValueSource value_source = ValueSource::kModel;
  // Step controls (every mode; how one step is decoded, search/tree_session.h), each in the
  // JSON only when not its default, so configs written before they existed keep their text:
  int top_k = 0;             // sample among the k most likely tokens (0 = all)
  double top_p = 1;          // nucleus sampling: the smallest set with this much mass (1 = all)
  int max_step_tokens = 96;  // a step is cut (reward -1) after this many tokens
  int max_new_tokens = 0;    // a solution is cut (reward -1) once its steps hold this many tokens (0 = off)
  TextList stop;             // texts that end a step besides the model's step delimiter
  // seed, terminal_reward, value_source and the step controls, each declared once
  // (search/param_table.h); every mode takes them, after its own.
  static const std::vector<ParamRow<SearchConfig>>& Table();
};

inline const std::vector<ParamRow<SearchConfig>>& SearchConfig::Table() {
  static const std::vector<ParamRow<SearchConfig>> table = {
      {"seed", "run seed: every sample's seed derives from it", &SearchConfig::seed, 0},
      {"terminal_reward", "final answers scored by gold (+1/-1, data generation) | value (inference) | target "
       "(+1/-1 by the question's own target, countdown; no gold)",
       &SearchConfig::terminal_reward, 0},
      {"value_source", "model (the value head) | oracle (a perfect step and answer verifier on synthetic "
       "problems: the upper bound a value head could reach; needs gold answers)",
       &SearchConfig::value_source, 0, kUnbounded, ParamPresence::kUnlessDefault},
      {"top_k", "sample each token among the k most likely (0 = all)", &SearchConfig::top_k, 0, 1e9,
       ParamPresence::kUnlessDefault},
      {"top_p", "nucleus sampling: each token among the smallest set of this probability mass (1 = all)",
       &SearchConfig::top_p, 1e-6, 1, ParamPresence::kUnlessDefault},
      {"max_step_tokens", "tokens one step may take before it is cut (reward -1); tool tokens count",
       &SearchConfig::max_step_tokens, 1, 65536, ParamPresence::kUnlessDefault},
      {"max_new_tokens", "tokens one solution's steps may take before it is cut (reward -1; 0 = the context)",
       &SearchConfig::max_new_tokens, 0, 1e9, ParamPresence::kUnlessDefault},
      {"stop", "texts that end a step besides the step delimiter: a JSON array of strings, or one text",
       &SearchConfig::stop, 0, 16, ParamPresence::kUnlessDefault}};
  return table;
}

// A parameter as the command line shows it.
struct ParamDescription {
  std::string key;            // JSON key and flag name
  std::string help;           // one line
  std::string default_value;  // the value in a default-constructed SearchConfig, as text
};

// Every parameter of a mode, in table order (mode parameters, then seed, terminal_reward;
// not value_source, which steptree search takes as a flag of its own).
std::vector<ParamDescription> DescribeParams(SearchMode mode);

// Sets the parameter `key` of config->mode (or seed, terminal_reward, value_source) from its
// text ("5", "0.6", "q_value", "oracle").
// Throws UsageError for a key the mode does not take or a value of the wrong type or range.
void SetParam(SearchConfig* config, const std::string& key, const std::string& text);

// Throws UsageError naming the first parameter out of range, or (dvts) an n that is not a
// multiple of m.
void ValidateConfig(const SearchConfig& config);

// {"mode": ..., <every parameter of the mode in table order>, "seed": ..., "terminal_reward": ...
//  [, "value_source": "oracle"]}
nlohmann::ordered_json ConfigToJson(const SearchConfig& config);
// The inverse of ConfigToJson (unknown keys, bad values and configs ValidateConfig refuses
// throw UsageError; missing keys keep their defaults).
SearchConfig ConfigFromJson(const nlohmann::json& json);

// The step controls of `config` (temperature left at 0: each mode sets its own).
StepSampling StepControlsOf(const SearchConfig& config);

// Whether the search chooses by the model's value head (bon, sbs, mcts, dvts, unless
// value_source oracle replaces it); greedy and maj never read values.
bool NeedsValueHead(const SearchConfig& config);

}  // namespace steptree
