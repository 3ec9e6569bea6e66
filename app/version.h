// `steptree --version`: the version of the project (CMakeLists.txt's project VERSION) and
// the git commit the binary was built from (cmake/write_version.cmake; "unknown" outside
// a checkout, "-dirty" with uncommitted changes).
#pragma once

#include <string>

namespace steptree::app {

// "steptree 0.1.0 (git 0123456789ab)".
std::string VersionLine();

}  // namespace steptree::app
