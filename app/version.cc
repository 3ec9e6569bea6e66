// `steptree --version` (app/version.h).
#include "app/version.h"

#include "steptree_version.h"  // generated at build time (cmake/write_version.cmake)

namespace steptree::app {

std::string VersionLine() { return std::string("steptree ") + STEPTREE_VERSION + " (git " + STEPTREE_GIT_COMMIT + ")"; }

}  // namespace steptree::app
