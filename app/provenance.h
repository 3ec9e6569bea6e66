// What a search run records about where its trees came from (search/record.h,
// "provenance"): the steptree version, the model folder with each file's digest, the tool
// setting, the prompt format and step delimiter, and per problem the prompt the model read
// (and the chat messages it rendered from). export rebuilds records in the model's own
// layout from it (export/records.h).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/file_digest.h"
#include "datasets/problem.h"
#include "policy/policy.h"

namespace steptree::app {

// The provenance of each problem's tree under `policy`, loaded from `model_dir` whose
// digests are `digests`. `policy` must outlive the returned function.
std::function<nlohmann::ordered_json(const Problem&)> TreeProvenance(const std::string& model_dir,
                                                                      const ModelDigests& digests,
                                                                      const Policy& policy);

}  // namespace steptree::app
