// Command-line flags shared by every command that runs a policy given by --model: how a
// Hugging Face model directory is loaded (group "Hugging Face model"): --dtype f32 | bf16,
// --device cpu | cuda, --prompt-format, --step-delimiter, --system-prompt
// (PolicyLoadOptions, policy/policy.h). A built-in checkpoint takes none of them (but
// --dtype f32 and --device cpu, what it computes with). Every model takes --tool none |
// calculator (group "Tools"; Policy::set_calculator), which overrides the checkpoint.
#pragma once

#include <memory>
#include <string>

#include <cxxopts.hpp>

#include "policy/policy.h"

namespace steptree::app {

// Adds the flags to `options`.
void AddModelLoadFlags(cxxopts::Options& options);

// The load options the parsed flags ask for (values are checked when the model loads).
PolicyLoadOptions ModelLoadFlagsFrom(const cxxopts::ParseResult& args);

// Policy::Load(dir, ModelLoadFlagsFrom(args)); UsageError when `dir` is a built-in
// checkpoint and any of these flags was given.
std::unique_ptr<Policy> LoadPolicyWithFlags(const std::string& dir, const cxxopts::ParseResult& args);

// The model_digest a run records (search/record.h): the model folder's digest
// (`folder_digest`, ModelDigest of core/file_digest.h), followed by "+tool=none" or "+tool=calculator" when --tool changed the checkpoint's
// setting. A tool setting changes the trees, so --resume and merge, which compare digests,
// refuse to mix runs with different ones; a default run keeps the plain digest.
std::string ModelDigestAsRun(const std::string& folder_digest, const Policy& policy);

}  // namespace steptree::app
