// Run directories of multi-step commands (sweep, evolve): the resolved configuration is
// saved as DIR/config.json, and a later run into the same directory must agree with it, so
// finished work of another configuration is never mixed into the results.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace steptree::app {

// Compares `resolved` with DIR/config.json when it exists: every key but `may_change` (the
// one a later run may extend, e.g. sweep methods or evolve rounds) must hold the same
// value, and a key only one side holds (an option left at its default there) is a
// difference too, else UsageError naming the key (exit 2); a config.json that is not a JSON object
// is an InputError. Then writes `resolved` as DIR/config.json (atomically).
void CheckOrWriteRunConfig(const std::string& dir, const nlohmann::ordered_json& resolved,
                           const std::string& may_change);

}  // namespace steptree::app
