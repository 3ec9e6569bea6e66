// Command-line flags shared by every command that reads a problem set: --format,
// --question-field, --answer-field, --limit.
#pragma once

#include <cxxopts.hpp>

#include "datasets/loaders.h"

namespace steptree::app {

// Adds the data-set flags (group "data set") to `options`.
void AddDataFlags(cxxopts::Options& options);

// The loader options the parsed flags ask for. Throws UsageError on bad values.
LoaderOptions DataFlagsFrom(const cxxopts::ParseResult& result);

}  // namespace steptree::app
