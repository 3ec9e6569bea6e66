// Command-line flags shared by every command that reads a problem set: --format,
// --question-field, --answer-field, --limit.
#pragma once

#include <cxxopts.hpp>

#include <string>

#include "datasets/loaders.h"

namespace steptree::app {

// Adds the data-set flags (group "data set") to `options`.
void AddDataFlags(cxxopts::Options& options);

// The loader options the parsed flags ask for. Throws UsageError on bad values.
LoaderOptions DataFlagsFrom(const cxxopts::ParseResult& result);

// The problems of `path` that have reference steps (what training can imitate). Throws
// InputError(path, 0, ...) when none has.
LoadedDataset LoadReferenceSolutions(const std::string& path, const LoaderOptions& options);

}  // namespace steptree::app
