// `steptree bench` end to end with --quick sizes: it runs, and its --json holds every
// documented key with values that agree with each other (peak fractions with the matmul
// peak, the batch histogram with the call count, the targets with their thresholds). A
// behavioural test, never a timed one: no figure is compared with a speed.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/test_util.h"

using namespace steptree;

namespace {

std::string Bench(const std::string& args) {
  return test::Binary() + " bench --model " + test::SourceDir() + "/models/default " + args;
}

// One quick run per test process (a few seconds on one core).
const nlohmann::json& QuickBench() {
  static const nlohmann::json result = [] {
    const test::CommandResult r = test::Run(Bench("--quick --threads 1 --json"));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    const nlohmann::json j = test::LastJsonObject(r.output);
    REQUIRE_MESSAGE(j.is_object(), r.output);
    return j;
  }();
  return result;
}

bool Near(double a, double b) { return std::fabs(a - b) <= 1e-6 * std::max(1.0, std::fabs(b)); }

void CheckDecode(const nlohmann::json& decode, double peak, double flops_per_token) {
  REQUIRE(decode.is_object());
  for (const char* batch : {"1", "8", "32", "64", "128"}) {
    CAPTURE(batch);
    REQUIRE(decode.contains(batch));
    const nlohmann::json& p = decode[batch];
    CHECK(p["tokens_s"].get<double>() > 0);
    CHECK(p["gflops"].get<double>() > 0);
    CHECK(p["peak_fraction"].get<double>() > 0);
    CHECK(Near(p["gflops"].get<double>(), p["tokens_s"].get<double>() * flops_per_token / 1e9));
    CHECK(Near(p["peak_fraction"].get<double>(), p["gflops"].get<double>() / peak));
  }
  CHECK(decode.size() == 5);
}

}  // namespace

TEST_CASE("bench --quick --json has every documented key with consistent values") {
  const nlohmann::json& j = QuickBench();
  for (const char* key : {"matmul_gflops", "decode", "decode_wide", "search", "prefill_per_generated", "kv_hit_rate",
                          "thread_speedup", "outside_model_fraction", "peak_rss_mb", "targets"}) {
    CAPTURE(key);
    CHECK(j.contains(key));
  }
  const double peak = j["matmul_gflops"].get<double>();
  CHECK(peak > 0);

  // FLOPs per token: 2 W + 4 n_layer d_model L, with W from the model's shapes.
  const nlohmann::json& setup = j["decode_setup"];
  const double keys = setup["mean_attended_keys"].get<double>();
  for (const char* model : {"model", "wide_model"}) {
    const nlohmann::json& m = setup[model];
    const double d = m["d_model"].get<double>(), ff = m["d_ff"].get<double>(), layers = m["n_layer"].get<double>();
    const double w = layers * (4 * d * d + 2 * d * ff) + m["vocab_size"].get<double>() * d;
    CHECK(m["matmul_parameters"].get<double>() == w);
    CHECK(Near(m["flops_per_token"].get<double>(), 2 * w + 4 * layers * d * keys));
    CHECK(m["prefill_tokens_s"].get<double>() > 0);
    CHECK(m["prefill_gflops"].get<double>() > 0);
  }
  CHECK(setup["wide_model"]["d_model"] == 512);
  CHECK(setup["wide_model"]["n_layer"] == 8);
  CheckDecode(j["decode"], peak, setup["model"]["flops_per_token"].get<double>());
  CheckDecode(j["decode_wide"], peak, setup["wide_model"]["flops_per_token"].get<double>());
}

TEST_CASE("bench --quick search figures: rates, batch histograms, prefill, time outside the model") {
  const nlohmann::json& j = QuickBench();
  const nlohmann::json& search = j["search"];
  REQUIRE(search.is_object());
  CHECK(search.size() == 3);
  for (const char* mode : {"greedy", "sbs", "mcts"}) {
    CAPTURE(mode);
    REQUIRE(search.contains(mode));
    const nlohmann::json& s = search[mode];
    CHECK(s["problems"] == 2);
    CHECK(s["tokens_s"].get<double>() > 0);
    CHECK(s["nodes_s"].get<double>() > 0);
    CHECK(s["problems_s"].get<double>() > 0);
    CHECK(Near(s["problems_s"].get<double>(), 2 / s["seconds"].get<double>()));
    CHECK(Near(s["tokens_s"].get<double>(), s["generated_tokens"].get<double>() / s["seconds"].get<double>()));
    CHECK(s["over_raw"].get<double>() > 0);
    CHECK(Near(s["over_raw"].get<double>(), s["tokens_s"].get<double>() / s["raw_tokens_s_at_mean_batch"].get<double>()));
    CHECK(s["mean_batch"].get<double>() >= 1);
    CHECK(s["raw_model_seconds"].get<double>() > 0);
    CHECK(s["mean_state_tokens"].get<double>() > 1);
    // Tokens computed per generated token: 1 + prefill / generated (prefill: tokens computed,
    // not those the prefix cache served).
    CHECK(s["prefill_per_generated"].get<double>() > 1);
    CHECK(s["cached_tokens"].get<long>() >= 0);
    CHECK(Near(s["prefill_per_generated"].get<double>(),
               (s["prefill_tokens"].get<double>() + s["generated_tokens"].get<double>()) /
                   s["generated_tokens"].get<double>()));
    const double outside = s["outside_model_fraction"].get<double>();
    CHECK(outside >= 0);
    CHECK(outside < 1);
    // The histogram counts every model call once.
    long calls = 0;
    for (const auto& [rows, count] : s["batch_histogram"].items()) calls += count.get<long>();
    CHECK(calls == s["model_calls"].get<long>());
    CHECK(calls > 0);
    // A forward pass decodes at most the rows of the largest call.
    int largest = 0;
    for (const auto& [rows, count] : s["batch_histogram"].items()) largest = std::max(largest, std::stoi(rows));
    CHECK(s["mean_batch"].get<double>() <= largest);
  }
  // Greedy decodes one row per call; SBS(3,5) expands at most 3 x 5 rows, MCTS(40) at most
  // 4 leaves per wave x 5 candidates, and both batch more than one row at a time.
  CHECK(search["greedy"]["batch_histogram"] == nlohmann::json{{"1", 2}});
  const std::vector<std::pair<std::string, int>> largest_calls = {{"sbs", 15}, {"mcts", 20}};
  for (const auto& entry : largest_calls) {
    const std::string& mode = entry.first;
    const int most = entry.second;
    CAPTURE(mode);
    int largest = 0;
    for (const auto& [rows, count] : search[mode]["batch_histogram"].items()) largest = std::max(largest, std::stoi(rows));
    CHECK(largest > 1);
    CHECK(largest <= most);
  }
  CHECK(search["mcts"]["mean_batch"].get<double>() > 1);

  CHECK(j["prefill_per_generated"] == search["mcts"]["prefill_per_generated"]);
  // The per-tree prefix cache serves most of MCTS's prompt tokens (all but about one per
  // expansion); greedy's single rollout has nothing cached to reuse.
  CHECK(j["kv_hit_rate"] == search["mcts"]["kv_hit_rate"]);
  CHECK(j["kv_hit_rate"].get<double>() > 0.5);
  CHECK(j["kv_hit_rate"].get<double>() < 1);
  CHECK(Near(j["kv_hit_rate"].get<double>(),
             search["mcts"]["cached_tokens"].get<double>() /
                 (search["mcts"]["cached_tokens"].get<double>() + search["mcts"]["prefill_tokens"].get<double>())));
  CHECK(search["greedy"]["kv_hit_rate"].get<double>() == 0);
  CHECK(j["thread_speedup"].get<double>() > 0);
  CHECK(j["thread_speedup_detail"]["mode"] == "mcts");
  CHECK(j["outside_model_fraction"].get<double>() >= 0);
  CHECK(j["outside_model_fraction"].get<double>() < 1);
  CHECK(j["peak_rss_mb"].get<double>() > 10);
  CHECK(j["peak_rss_mb_whole_bench"].get<double>() >= j["peak_rss_mb"].get<double>());
}

TEST_CASE("bench --quick shard row: 2 shard processes against one, merged trees identical") {
  const nlohmann::json& j = QuickBench();
  const nlohmann::json& shards = j["shards"];
  REQUIRE(shards.is_object());
  CHECK(shards["mode"] == "mcts");
  CHECK(shards["shards"] == 2);
  CHECK(shards["problems"] == j["problems"]);
  CHECK(shards["identical"] == true);
  CHECK(shards["merged_digest"] == shards["one_process_digest"]);
  CHECK(shards["merged_digest"].get<std::string>().size() == 16);
  CHECK(shards["problems_s_one_process"].get<double>() > 0);
  CHECK(shards["problems_s_sharded"].get<double>() > 0);
  CHECK(Near(shards["speedup"].get<double>(),
             shards["problems_s_sharded"].get<double>() / shards["problems_s_one_process"].get<double>()));
  CHECK(shards["sharded_seconds"].get<double>() >= shards["merge_seconds"].get<double>());
}

TEST_CASE("bench --quick judges the issue's five targets against the measured figures") {
  const nlohmann::json& j = QuickBench();
  const nlohmann::json& targets = j["targets"];
  REQUIRE(targets.is_object());
  CHECK(targets.size() == 5);
  const std::map<std::string, double> measured = {
      {"decode_wide_b64_peak_fraction", j["decode_wide"]["64"]["peak_fraction"].get<double>()},
      {"mcts_over_raw", j["search"]["mcts"]["over_raw"].get<double>()},
      {"mcts_prefill_per_generated", j["prefill_per_generated"].get<double>()},
      {"thread_speedup", j["thread_speedup"].get<double>()},
      {"outside_model_fraction", j["outside_model_fraction"].get<double>()}};
  for (const auto& entry : measured) {
    const std::string& key = entry.first;
    const double value = entry.second;
    CAPTURE(key);
    REQUIRE(targets.contains(key));
    const nlohmann::json& t = targets[key];
    CHECK(t["measured"].get<double>() == value);
    const double threshold = t["threshold"].get<double>();
    const bool pass = t["comparison"] == ">=" ? value >= threshold : value <= threshold;
    CHECK(t["pass"].get<bool>() == pass);
  }
  CHECK(targets["decode_wide_b64_peak_fraction"]["threshold"].get<double>() == 0.35);
  CHECK(targets["mcts_prefill_per_generated"]["comparison"] == "<=");
}

TEST_CASE("bench --quick --threads 2: two search workers, two decode streams at once") {
  const test::CommandResult r = test::Run(Bench("--quick --threads 2 --problems 1 --json"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const nlohmann::json j = test::LastJsonObject(r.output);
  REQUIRE(j.is_object());
  CHECK(j["threads"] == 2);
  CHECK(j["decode_setup"]["streams"] == 2);
  CHECK(j["search"]["mcts"]["threads"] == 2);
  CHECK(j["search"]["mcts"]["problems"] == 1);
  for (const char* batch : {"1", "128"}) {
    CHECK(j["decode"][batch]["tokens_s"].get<double>() > 0);
    CHECK(j["decode_wide"][batch]["tokens_s"].get<double>() > 0);
  }
  CHECK(j["decode_setup"]["model"]["prefill_tokens_s"].get<double>() > 0);
}

TEST_CASE("bench refuses bad flags with exit 2") {
  CHECK(test::Run(Bench("--quick --problems 0")).exit_code == 2);
  CHECK(test::Run(Bench("--quick --speedup-mode beam")).exit_code == 2);
  CHECK(test::Run(Bench("--quick --model /nonexistent/steptree-model")).exit_code == 2);
  CHECK(test::Run(Bench("--quick --shards -1")).exit_code == 2);
}
