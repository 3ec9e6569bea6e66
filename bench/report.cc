// `steptree bench`'s JSON object, tables and targets (bench/report.h).
#include "bench/report.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace steptree::bench {
namespace {

using Json = nlohmann::json;  // keys in alphabetical order, as every --json summary

constexpr const char* kKvHitRateNote =
    "MCTS(40): prompt tokens whose keys and values the per-tree prefix cache served, over all "
    "prompt tokens (served + computed)";

const SearchMeasurement* FindMode(const BenchReport& report, const std::string& key) {
  for (const SearchMeasurement& m : report.search) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

const RawDecodePoint* FindBatch(const RawDecodeResult& decode, int batch) {
  for (const RawDecodePoint& p : decode.points) {
    if (p.batch == batch) return &p;
  }
  return nullptr;
}

double OverRaw(const SearchMeasurement& m, const RawDecodeResult& decode) {
  if (decode.points.empty() || m.calls.MeanDecodeBatch() <= 0) return 0.0;
  const double raw = RawTokensPerSecondAt(decode.points, m.calls.MeanDecodeBatch());
  return raw > 0 ? m.tokens_s() / raw : 0.0;
}

double ThreadSpeedup(const BenchReport& r) {
  const double one = r.speedup_one.problems_s();
  return one > 0 ? r.speedup_two.problems_s() / one : 0.0;
}

double OutsideModelFraction(const BenchReport& r) {
  double inside = 0, worker_seconds = 0;
  for (const SearchMeasurement& m : r.search) {
    inside += m.calls.inside_seconds;
    worker_seconds += m.seconds * m.threads;
  }
  return worker_seconds > 0 ? 1.0 - inside / worker_seconds : 0.0;
}

Json DecodeJson(const RawDecodeResult& decode) {
  Json by_batch = Json::object();
  for (const RawDecodePoint& p : decode.points) {
    by_batch[std::to_string(p.batch)] = {{"tokens_s", p.tokens_s},
                                         {"gflops", p.gflops},
                                         {"peak_fraction", p.peak_fraction},
                                         {"ms_per_step", p.ms_per_step},
                                         {"runs", p.runs}};
  }
  return by_batch;
}

Json ModelJson(const BenchModel& model) {
  return {{"source", model.source},
          {"n_layer", model.config.n_layer},
          {"d_model", model.config.d_model},
          {"d_ff", model.config.d_ff},
          {"n_head", model.config.n_head},
          {"vocab_size", model.config.vocab_size},
          {"context", model.config.context},
          {"parameters", model.parameters},
          {"matmul_parameters", MatmulParameters(model.config)},
          {"flops_per_token", model.decode.flops_per_token},
          {"prefill_rows", model.decode.prefill_rows},
          {"prefill_tokens_s", model.decode.prefill_tokens_s},
          {"prefill_gflops", model.decode.prefill_gflops}};
}

// Seconds the raw model would need for a search's work: its generated tokens decoded at
// its mean decode batch plus its prefill tokens at the raw prefill rate.
double RawModelSeconds(const SearchMeasurement& m, const RawDecodeResult& decode) {
  if (decode.points.empty() || decode.prefill_tokens_s <= 0) return 0.0;
  const double batch = std::max(1.0, m.calls.MeanDecodeBatch());
  return m.generated_tokens() / RawTokensPerSecondAt(decode.points, batch) + m.prefill_tokens() / decode.prefill_tokens_s;
}

Json SearchJson(const SearchMeasurement& m, const RawDecodeResult& decode) {
  Json histogram = Json::object();
  for (const auto& [rows, calls] : m.calls.rows_histogram) histogram[std::to_string(rows)] = calls;
  const double mean_batch = m.calls.MeanDecodeBatch();
  return {{"label", m.label},
          {"tokens_s", m.tokens_s()},
          {"nodes_s", m.nodes_s()},
          {"problems_s", m.problems_s()},
          {"mean_batch", mean_batch},
          {"mean_call_rows", m.calls.MeanCallRows()},
          {"mean_state_tokens", m.calls.MeanStateTokens()},
          {"raw_tokens_s_at_mean_batch", decode.points.empty() ? 0.0 : RawTokensPerSecondAt(decode.points, mean_batch)},
          {"over_raw", OverRaw(m, decode)},
          {"raw_model_seconds", RawModelSeconds(m, decode)},
          {"batch_histogram", histogram},
          {"prefill_per_generated", m.prefill_per_generated()},
          {"outside_model_fraction", m.outside_model_fraction()},
          {"seconds", m.seconds},
          {"threads", m.threads},
          {"problems", m.problems},
          {"nodes", m.nodes},
          {"generated_tokens", m.generated_tokens()},
          {"prefill_tokens", m.prefill_tokens()},
          {"cached_tokens", m.cached_tokens()},
          {"kv_hit_rate", m.kv_hit_rate()},
          {"forward_calls", m.calls.generating.forward_calls + m.calls.evaluating.forward_calls},
          {"model_calls", m.calls.calls},
          {"accuracy", m.accuracy}};
}

Json Target(const std::string& description, double measured, const std::string& comparison, double threshold) {
  const bool pass = comparison == ">=" ? measured >= threshold : measured <= threshold;
  return {{"description", description},
          {"measured", measured},
          {"comparison", comparison},
          {"threshold", threshold},
          {"pass", pass}};
}

}  // namespace

double RawTokensPerSecondAt(const std::vector<RawDecodePoint>& points, double batch) {
  if (points.empty()) throw std::invalid_argument("RawTokensPerSecondAt: no measured batch sizes");
  const RawDecodePoint& first = points.front();
  if (batch <= first.batch) return batch / (first.batch / first.tokens_s);
  for (size_t i = 1; i < points.size(); ++i) {
    const RawDecodePoint& lo = points[i - 1];
    const RawDecodePoint& hi = points[i];
    if (batch <= hi.batch) {
      const double t_lo = lo.batch / lo.tokens_s, t_hi = hi.batch / hi.tokens_s;
      const double w = (batch - lo.batch) / static_cast<double>(hi.batch - lo.batch);
      return batch / (t_lo + w * (t_hi - t_lo));
    }
  }
  return points.back().tokens_s;
}

nlohmann::json ReportToJson(const BenchReport& r) {
  Json search = Json::object();
  for (const SearchMeasurement& m : r.search) search[m.key] = SearchJson(m, r.default_model.decode);
  const SearchMeasurement* mcts = FindMode(r, "mcts");
  const RawDecodePoint* wide64 = FindBatch(r.wide_model.decode, 64);
  const double mcts_prefill = mcts ? mcts->prefill_per_generated() : 0.0;

  Json targets = {
      {"decode_wide_b64_peak_fraction",
       Target("raw decode at batch 64 on the wide bench model reaches at least 35% of the matmul peak",
              wide64 ? wide64->peak_fraction : 0.0, ">=", 0.35)},
      {"mcts_over_raw", Target("MCTS(40) search tokens/s at least 0.8 x raw decode tokens/s at its mean batch",
                               mcts ? OverRaw(*mcts, r.default_model.decode) : 0.0, ">=", 0.8)},
      {"mcts_prefill_per_generated",
       Target("prefill recompute: at most 1.1 tokens computed per generated token for MCTS(40)",
              mcts_prefill, "<=", 1.1)},
      {"thread_speedup", Target("2 threads at least 1.7x 1 thread", ThreadSpeedup(r), ">=", 1.7)},
      {"outside_model_fraction",
       Target("at most 5% of wall time outside the model", OutsideModelFraction(r), "<=", 0.05)},
  };

  return {{"matmul_gflops", r.matmul.gflops},
          {"matmul", {{"size", r.matmul.size}, {"reps", r.matmul.reps}, {"threads", r.matmul.threads},
                      {"best_seconds", r.matmul.best_seconds}}},
          {"decode", DecodeJson(r.default_model.decode)},
          {"decode_wide", DecodeJson(r.wide_model.decode)},
          {"decode_setup", {{"prompt_tokens", r.prompt_tokens},
                            {"decode_tokens", r.decode_tokens},
                            {"mean_attended_keys", r.default_model.decode.mean_attended_keys},
                            {"threads", r.threads},
                            {"streams", r.default_model.decode.streams},
                            {"model", ModelJson(r.default_model)},
                            {"wide_model", ModelJson(r.wide_model)}}},
          {"search", search},
          {"prefill_per_generated", mcts_prefill},
          {"kv_hit_rate", mcts != nullptr ? mcts->kv_hit_rate() : 0.0},
          {"kv_hit_rate_note", kKvHitRateNote},
          {"thread_speedup", ThreadSpeedup(r)},
          {"thread_speedup_detail", {{"mode", r.speedup_one.key},
                                     {"problems_s_1_thread", r.speedup_one.problems_s()},
                                     {"problems_s_2_threads", r.speedup_two.problems_s()},
                                     {"hardware_threads", r.hardware_threads}}},
          {"outside_model_fraction", OutsideModelFraction(r)},
          {"shards", r.shards ? ShardMeasurementToJson(*r.shards) : Json()},
          {"peak_rss_mb", r.peak_rss_mb},
          {"peak_rss_mb_whole_bench", r.peak_rss_mb_whole},
          {"threads", r.threads},
          {"problems", r.problems},
          {"quick", r.quick},
          {"targets", targets}};
}

std::string FormatReport(const BenchReport& r) {
  const Json j = ReportToJson(r);
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "steptree bench: %d thread%s (%u hardware threads), %ld problems%s\n\n", r.threads,
                r.threads == 1 ? "" : "s", r.hardware_threads, r.problems, r.quick ? ", --quick sizes" : "");
  out << line;
  std::snprintf(line, sizeof line, "matmul peak: %.1f GFLOP/s (fp32 %dx%d GEMM through torch, best of %d)\n\n",
                r.matmul.gflops, r.matmul.size, r.matmul.size, r.matmul.reps);
  out << line;
  for (const BenchModel* model : {&r.default_model, &r.wide_model}) {
    std::snprintf(line, sizeof line,
                  "raw decode, %s model (%d layers, width %d, %ld parameters; %.2f MFLOP/token at %.1f keys):\n",
                  model->name.c_str(), model->config.n_layer, model->config.d_model, model->parameters,
                  model->decode.flops_per_token / 1e6, model->decode.mean_attended_keys);
    out << line;
    if (model->decode.streams > 1) {
      std::snprintf(line, sizeof line, "  %d streams at once, one torch thread each (tokens/s of all streams)\n",
                    model->decode.streams);
    } else {
      std::snprintf(line, sizeof line, "  one stream on %d torch thread%s\n", r.threads, r.threads == 1 ? "" : "s");
    }
    out << line;
    std::snprintf(line, sizeof line, "  %6s %12s %10s %8s %10s\n", "batch", "tokens/s", "GFLOP/s", "of peak", "ms/step");
    out << line;
    for (const RawDecodePoint& p : model->decode.points) {
      std::snprintf(line, sizeof line, "  %6d %12.0f %10.2f %7.1f%% %10.3f\n", p.batch, p.tokens_s, p.gflops,
                    100 * p.peak_fraction, p.ms_per_step);
      out << line;
    }
    std::snprintf(line, sizeof line, "  prefill of %d rows x %d tokens: %.0f tokens/s, %.2f GFLOP/s\n\n",
                  model->decode.prefill_rows, r.prompt_tokens, model->decode.prefill_tokens_s,
                  model->decode.prefill_gflops);
    out << line;
  }
  out << "search on the default model (gold rewards):\n";
  std::snprintf(line, sizeof line, "  %-9s %10s %9s %10s %10s %9s %9s %10s %7s  %s\n", "mode", "tokens/s", "nodes/s",
                "problems/s", "mean batch", "over raw", "computed/", "outside", "state", "rows per model call: calls");
  out << line;
  std::snprintf(line, sizeof line, "  %-9s %10s %9s %10s %10s %9s %9s %10s %7s\n", "", "", "", "", "(decode)", "",
                "generated", "model", "tokens");
  out << line;
  for (const SearchMeasurement& m : r.search) {
    const Json& s = j["search"][m.key];
    std::string histogram;
    for (const auto& [rows, calls] : m.calls.rows_histogram) {
      histogram += (histogram.empty() ? "" : ", ") + std::to_string(rows) + ": " + std::to_string(calls);
    }
    std::snprintf(line, sizeof line, "  %-9s %10.0f %9.1f %10.2f %10.2f %9.2f %9.2f %9.1f%% %7.1f  %s\n",
                  m.label.c_str(), m.tokens_s(), m.nodes_s(), m.problems_s(), m.calls.MeanDecodeBatch(),
                  s["over_raw"].get<double>(), m.prefill_per_generated(), 100 * m.outside_model_fraction(),
                  m.calls.MeanStateTokens(), histogram.c_str());
    out << line;
  }
  out << "  raw model time for the same work (decode at the mean batch + prefill at the raw prefill rate):";
  for (const SearchMeasurement& m : r.search) {
    std::snprintf(line, sizeof line, " %s %.0f%%", m.label.c_str(),
                  100 * RawModelSeconds(m, r.default_model.decode) / std::max(1e-9, m.seconds));
    out << line;
  }
  out << " of the wall time\n";
  std::snprintf(line, sizeof line,
                "\nKV hit rate: %.3f (%s)\n%s: %.2f problems/s on 1 thread, %.2f on 2: speedup %.2fx\n"
                "peak RSS: %.1f MiB after search (%.1f MiB with the wide model's decode)\n\n",
                j["kv_hit_rate"].get<double>(), kKvHitRateNote, r.speedup_one.label.c_str(), r.speedup_one.problems_s(), r.speedup_two.problems_s(),
                ThreadSpeedup(r), r.peak_rss_mb, r.peak_rss_mb_whole);
  out << line;
  if (r.shards) {
    const ShardMeasurement& m = *r.shards;
    std::snprintf(line, sizeof line,
                  "%s as %d shard processes: %.2f problems/s against %.2f in one process (%.2fx, merge %.2f s); "
                  "merged trees %s the one process's (digest %s)\n\n",
                  m.label.c_str(), m.shards, m.problems_s_sharded(), m.problems_s_one_process(), m.speedup(),
                  m.merge_seconds, m.identical() ? "identical to" : "DIFFER from", m.merged_digest.c_str());
    out << line;
  }
  out << "targets:\n";
  for (const auto& [key, t] : j["targets"].items()) {
    std::snprintf(line, sizeof line, "  %-4s %-30s %8.3f %s %.2f   %s\n", t["pass"].get<bool>() ? "PASS" : "FAIL",
                  key.c_str(), t["measured"].get<double>(), t["comparison"].get<std::string>().c_str(),
                  t["threshold"].get<double>(), t["description"].get<std::string>().c_str());
    out << line;
  }
  return out.str();
}

double PeakRssMb() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // Linux: kilobytes
}

}  // namespace steptree::bench
