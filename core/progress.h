// Progress reporting for long work: a live line redrawn in place on a terminal, periodic
// plain lines otherwise (logs, CI). Writes to stderr so stdout stays machine-readable.
#pragma once

#include <chrono>
#include <string>

namespace steptree {

class Progress {
 public:
  // `label` prefixes every line; plain lines are printed at most every `plain_interval_s`.
  explicit Progress(std::string label, double plain_interval_s = 10.0);
  ~Progress();
  // done of total units; `detail` is appended (loss, tokens/s, ...). Rate-limited.
  void Update(long done, long total, const std::string& detail = "");
  // Final line (always printed), ends a live line with a newline.
  void Finish(const std::string& detail = "");
  double ElapsedSeconds() const;

 private:
  std::string Line(long done, long total, const std::string& detail) const;
  std::string label_;
  double plain_interval_s_;
  bool live_;
  bool finished_ = false;
  long last_done_ = 0;
  long last_total_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  size_t last_width_ = 0;
};

// "1m05s", "2h03m", "12s".
std::string FormatDuration(double seconds);

}  // namespace steptree
