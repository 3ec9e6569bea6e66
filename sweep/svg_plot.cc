#include "sweep/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace steptree {
namespace {

constexpr double kWidth = 860, kHeight = 540;
constexpr double kLeft = 78, kRight = 230, kTop = 52, kBottom = 70;  // margins; legend on the right
const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                               "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string TickLabel(double v) {
  char buffer[32];
  if (v >= 1000) {
    std::snprintf(buffer, sizeof buffer, "%gk", v / 1000);
  } else {
    std::snprintf(buffer, sizeof buffer, "%g", v);
  }
  return buffer;
}

}  // namespace

std::string RenderSweepSvg(const std::vector<SweepPoint>& all_points, const std::string& title) {
  std::vector<const SweepPoint*> points;
  for (const SweepPoint& p : all_points) {
    if (p.accuracy && p.tokens_per_problem > 0) points.push_back(&p);
  }
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" viewBox=\"0 0 " << kWidth << " " << kHeight << "\" font-family=\"Helvetica, Arial, sans-serif\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kWidth / 2 << "\" y=\"28\" text-anchor=\"middle\" font-size=\"17\">" << Escape(title)
      << "</text>\n";
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  if (points.empty()) {
    svg << "<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << kTop + plot_h / 2
        << "\" text-anchor=\"middle\" font-size=\"14\">no graded points</text>\n</svg>\n";
    return svg.str();
  }

  // Axis ranges: x in log10(tokens), padded; y in percent, rounded out to multiples of 5.
  double x_min = 1e300, x_max = 0, y_min = 100, y_max = 0;
  for (const SweepPoint* p : points) {
    x_min = std::min(x_min, p->tokens_per_problem);
    x_max = std::max(x_max, p->tokens_per_problem);
    y_min = std::min(y_min, 100 * std::min(*p->accuracy, p->ci_low));
    y_max = std::max(y_max, 100 * std::max(*p->accuracy, p->ci_high));
  }
  const double lx_min = std::log10(x_min) - 0.15, lx_max = std::log10(x_max) + 0.15;
  const double y_step = y_max - y_min > 30 ? 10 : 5;  // grid lines on multiples of the step
  y_min = std::max(0.0, y_step * std::floor(y_min / y_step - 0.25));
  y_max = std::min(100.0, y_step * std::ceil(y_max / y_step + 0.25));
  if (y_max <= y_min) y_max = y_min + y_step;
  auto X = [&](double tokens) { return kLeft + (std::log10(tokens) - lx_min) / (lx_max - lx_min) * plot_w; };
  auto Y = [&](double percent) { return kTop + (y_max - percent) / (y_max - y_min) * plot_h; };

  // Grid and ticks.
  svg << "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (double y = y_min; y <= y_max + 1e-9; y += y_step) {
    svg << "<line x1=\"" << kLeft << "\" y1=\"" << Num(Y(y)) << "\" x2=\"" << kLeft + plot_w << "\" y2=\"" << Num(Y(y))
        << "\"/>\n";
  }
  std::vector<double> x_ticks;
  for (int e = static_cast<int>(std::floor(lx_min)); e <= static_cast<int>(std::ceil(lx_max)); ++e) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, e);
      if (std::log10(v) >= lx_min && std::log10(v) <= lx_max) x_ticks.push_back(v);
    }
  }
  for (double v : x_ticks) {
    svg << "<line x1=\"" << Num(X(v)) << "\" y1=\"" << kTop << "\" x2=\"" << Num(X(v)) << "\" y2=\"" << kTop + plot_h
        << "\"/>\n";
  }
  svg << "</g>\n<g font-size=\"12\" fill=\"#333\">\n";
  for (double y = y_min; y <= y_max + 1e-9; y += y_step) {
    svg << "<text x=\"" << kLeft - 8 << "\" y=\"" << Num(Y(y) + 4) << "\" text-anchor=\"end\">" << TickLabel(y)
        << "</text>\n";
  }
  for (double v : x_ticks) {
    svg << "<text x=\"" << Num(X(v)) << "\" y=\"" << kTop + plot_h + 18 << "\" text-anchor=\"middle\">" << TickLabel(v)
        << "</text>\n";
  }
  svg << "</g>\n"
      << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << plot_w << "\" height=\"" << plot_h
      << "\" fill=\"none\" stroke=\"#333\"/>\n"
      << "<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << kHeight - 22
      << "\" text-anchor=\"middle\" font-size=\"14\">generated tokens per problem (log scale)</text>\n"
      << "<text transform=\"translate(22," << kTop + plot_h / 2
      << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">accuracy (%), 95% CI</text>\n";

  // One line per curve, in order of first appearance.
  std::vector<std::string> curves;
  std::map<std::string, std::vector<const SweepPoint*>> by_curve;
  for (const SweepPoint* p : points) {
    if (!by_curve.count(p->spec.curve)) curves.push_back(p->spec.curve);
    by_curve[p->spec.curve].push_back(p);
  }
  for (size_t c = 0; c < curves.size(); ++c) {
    const std::string color = kColors[c % (sizeof kColors / sizeof kColors[0])];
    std::vector<const SweepPoint*>& line = by_curve[curves[c]];
    std::sort(line.begin(), line.end(),
              [](const SweepPoint* a, const SweepPoint* b) { return a->tokens_per_problem < b->tokens_per_problem; });
    svg << "<g stroke=\"" << color << "\" fill=\"" << color << "\">\n";
    if (line.size() > 1) {
      svg << "<polyline fill=\"none\" stroke-width=\"2\" points=\"";
      for (const SweepPoint* p : line) svg << Num(X(p->tokens_per_problem)) << "," << Num(Y(100 * *p->accuracy)) << " ";
      svg << "\"/>\n";
    }
    for (const SweepPoint* p : line) {
      const double x = X(p->tokens_per_problem);
      const double lo = Y(100 * p->ci_low), hi = Y(100 * p->ci_high);
      svg << "<line x1=\"" << Num(x) << "\" y1=\"" << Num(lo) << "\" x2=\"" << Num(x) << "\" y2=\"" << Num(hi)
          << "\" stroke-width=\"1.2\"/>"
          << "<line x1=\"" << Num(x - 4) << "\" y1=\"" << Num(lo) << "\" x2=\"" << Num(x + 4) << "\" y2=\"" << Num(lo)
          << "\" stroke-width=\"1.2\"/>"
          << "<line x1=\"" << Num(x - 4) << "\" y1=\"" << Num(hi) << "\" x2=\"" << Num(x + 4) << "\" y2=\"" << Num(hi)
          << "\" stroke-width=\"1.2\"/>"
          << "<circle cx=\"" << Num(x) << "\" cy=\"" << Num(Y(100 * *p->accuracy)) << "\" r=\"4\"><title>"
          << Escape(p->spec.label) << ": " << Num(100 * *p->accuracy) << "% [" << Num(100 * p->ci_low) << ", "
          << Num(100 * p->ci_high) << "], " << Num(p->tokens_per_problem) << " tokens</title></circle>\n";
    }
    svg << "</g>\n";
    const double ly = kTop + 14 + 22 * static_cast<double>(c);
    svg << "<line x1=\"" << kWidth - kRight + 18 << "\" y1=\"" << ly << "\" x2=\"" << kWidth - kRight + 46 << "\" y2=\""
        << ly << "\" stroke=\"" << color << "\" stroke-width=\"2\"/><circle cx=\"" << kWidth - kRight + 32 << "\" cy=\""
        << ly << "\" r=\"4\" fill=\"" << color << "\"/><text x=\"" << kWidth - kRight + 54 << "\" y=\"" << ly + 4
        << "\" font-size=\"13\">" << Escape(curves[c]) << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace steptree
