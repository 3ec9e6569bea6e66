#include "core/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace steptree {

std::string FormatDuration(double seconds) {
  if (seconds < 0 || seconds != seconds) return "?";
  const long s = static_cast<long>(seconds + 0.5);
  char buffer[32];
  if (s < 60) {
    std::snprintf(buffer, sizeof buffer, "%lds", s);
  } else if (s < 3600) {
    std::snprintf(buffer, sizeof buffer, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  }
  return buffer;
}

Progress::Progress(std::string label, double plain_interval_s)
    : label_(std::move(label)),
      plain_interval_s_(plain_interval_s),
      live_(isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

Progress::~Progress() {
  if (live_ && last_width_ > 0 && !finished_) std::cerr << "\n";
}

double Progress::ElapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string Progress::Line(long done, long total, const std::string& detail) const {
  const double elapsed = ElapsedSeconds();
  std::string line = label_ + " " + std::to_string(done) + "/" + std::to_string(total);
  if (total > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%.0f%%)", 100.0 * done / total);
    line += pct;
  }
  line += " elapsed " + FormatDuration(elapsed);
  if (done > 0 && total > done) line += " eta " + FormatDuration(elapsed * (total - done) / done);
  if (!detail.empty()) line += "  " + detail;
  return line;
}

void Progress::Update(long done, long total, const std::string& detail) {
  last_done_ = done;
  last_total_ = total;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_print_).count();
  if (since < (live_ ? 0.2 : plain_interval_s_)) return;
  last_print_ = now;
  const std::string line = Line(done, total, detail);
  if (live_) {
    std::string padded = line;
    if (padded.size() < last_width_) padded.append(last_width_ - padded.size(), ' ');
    std::cerr << "\r" << padded << std::flush;
    last_width_ = line.size();
  } else {
    std::cerr << line << std::endl;
  }
}

void Progress::Finish(const std::string& detail) {
  const std::string line = Line(last_total_, last_total_, detail);
  if (live_) {
    std::string padded = line;
    if (padded.size() < last_width_) padded.append(last_width_ - padded.size(), ' ');
    std::cerr << "\r" << padded << "\n";
  } else {
    std::cerr << line << std::endl;
  }
  finished_ = true;
}

}  // namespace steptree
