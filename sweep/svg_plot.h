// A self-contained SVG plot of a sweep: accuracy (%) against generated tokens per problem on
// a log10 x axis, one line per curve (points joined in order of tokens), each point with its
// 95% confidence interval as an error bar; labelled axes, grid, legend, title. No scripts,
// fonts or external references: it opens in any browser.
#pragma once

#include <string>
#include <vector>

#include "sweep/sweep_points.h"

namespace steptree {

// Points without an accuracy are left out. Returns the whole document ("<svg ...>...</svg>").
std::string RenderSweepSvg(const std::vector<SweepPoint>& points, const std::string& title);

}  // namespace steptree
