// Tests of prefix KV reuse and what it rests on: the row-invariant product equals its
// scalar rule bit for bit (policy/model/row_invariant_gemm.h); the built-in model gives the same
// bits for a token however it is batched, prefilled, extended or decoded (policy/model/gpt.h);
// the radix cache's lookups, splits, eviction and pins (policy/engine/prefix_cache.h); and search
// with the cache writes the same trees as without, computing far fewer prefill tokens.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>

#include <torch/torch.h>

#include "datasets/synthetic.h"
#include "policy/model/causal_lm.h"
#include "policy/model/gpt.h"
#include "policy/model/format/gpt_config.h"
#include "policy/model/kv_cache.h"
#include "policy/policy.h"
#include "policy/engine/policy_backend.h"
#include "policy/engine/prefix_cache.h"
#include "policy/model/row_invariant_gemm.h"
#include "search/config.h"
#include "search/record.h"
#include "search/runner.h"
#include "tests/hf_fixtures.h"
#include "tests/test_util.h"

#undef CHECK
#include <doctest/doctest.h>

using namespace steptree;

namespace {

GptConfig TinyConfig() {
  GptConfig c;
  c.n_layer = 2;
  c.n_head = 4;
  c.d_model = 32;
  c.d_ff = 72;  // not a multiple of the 16-column panel: exercises the tail
  c.context = 96;
  return c;
}

std::vector<int> RandomTokens(std::mt19937& rng, int n, int vocab) {
  std::uniform_int_distribution<int> pick(3, vocab - 1);
  std::vector<int> out(n);
  for (int& t : out) t = pick(rng);
  return out;
}

bool SameBits(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor x = a.contiguous(), y = b.contiguous();
  return x.sizes() == y.sizes() && std::memcmp(x.data_ptr<float>(), y.data_ptr<float>(), x.numel() * sizeof(float)) == 0;
}

// Keys of cache row `row`, slots [first, first + n), all layers.
torch::Tensor RowKeys(KvCache& cache, int64_t row, int64_t first, int64_t n) {
  std::vector<torch::Tensor> parts;
  for (int64_t l = 0; l < cache.n_layer(); ++l) {
    parts.push_back(cache.keys(l).select(0, row).narrow(1, first, n));
    parts.push_back(cache.values(l).select(0, row).narrow(1, first, n));
  }
  return torch::stack(parts);
}

// `count` synthetic problems of levels lo..hi.
std::vector<Problem> LevelProblems(uint64_t seed, int lo, int hi, int count) {
  SyntheticOptions so;
  so.seed = seed;
  so.min_difficulty = lo;
  so.max_difficulty = hi;
  return MakeSyntheticProblems(so, count);
}

// The trees file's records of one search run, in input order; adds every budget to *total.
std::vector<nlohmann::ordered_json> SearchRecords(const std::vector<Problem>& problems, const SearchBackend& backend,
                                                  const SearchConfig& config, RunOptions options,
                                                  Budget* total = nullptr) {
  std::vector<nlohmann::ordered_json> records;
  options.worker_init = [] { SetTorchThreadsForThisThread(1); };
  RunSearch(problems, backend, config, options, [&](size_t, const Problem& problem, SearchResult& result) {
    if (total != nullptr) *total += result.budget;
    records.push_back(SearchRecord(problem, config, result));
  });
  return records;
}

}  // namespace

TEST_CASE("row-invariant product: every row, batch size and tail equals the scalar rule bit for bit") {
  INFO("kernel: " << RowInvariantGemmIsa());
  torch::manual_seed(1);
  for (auto [k, n] : std::vector<std::pair<int, int>>{{32, 96}, {72, 32}, {37, 5}, {128, 259}, {16, 1}}) {
    const torch::Tensor w = torch::randn({n, k}), bias = torch::randn({n}), x = torch::randn({70, k});
    const PackedWeight packed(w.data_ptr<float>(), n, k);
    torch::Tensor expected = torch::empty({70, n});
    RowInvariantGemmReference(x.data_ptr<float>(), 70, k, packed, bias.data_ptr<float>(), expected.data_ptr<float>(), n);
    CHECK(torch::allclose(expected, torch::nn::functional::linear(x, w, bias), 1e-4, 1e-4));
    for (int rows : {1, 2, 5, 8, 9, 17, 33, 65}) {
      for (int first : {0, 3}) {
        torch::Tensor y = torch::empty({rows, n});
        RowInvariantGemm(x.data_ptr<float>() + first * k, rows, k, packed, bias.data_ptr<float>(), y.data_ptr<float>(), n);
        CHECK_MESSAGE(SameBits(y, expected.narrow(0, first, rows)), "k " << k << " n " << n << " rows " << rows);
      }
    }
    torch::Tensor no_bias = torch::empty({9, n}), no_bias_ref = torch::empty({9, n});
    RowInvariantGemm(x.data_ptr<float>(), 9, k, packed, nullptr, no_bias.data_ptr<float>(), n);
    RowInvariantGemmReference(x.data_ptr<float>(), 9, k, packed, nullptr, no_bias_ref.data_ptr<float>(), n);
    CHECK(SameBits(no_bias, no_bias_ref));
  }
}

TEST_CASE("row-invariant product with bfloat16 weights: the widened weights by the scalar rule, bit for bit") {
  INFO("kernel: " << RowInvariantGemmIsa());
  torch::manual_seed(2);
  for (auto [k, n] : std::vector<std::pair<int, int>>{{64, 96}, {37, 5}, {128, 259}}) {
    const torch::Tensor w = torch::randn({n, k}).to(torch::kBFloat16).contiguous(), bias = torch::randn({n});
    const torch::Tensor x = torch::randn({40, k});
    const PackedWeight packed(reinterpret_cast<const uint16_t*>(w.data_ptr<at::BFloat16>()), n, k);
    REQUIRE(packed.bf16());
    CHECK(packed.At(n - 1, k - 1) == w[n - 1][k - 1].item<float>());
    torch::Tensor expected = torch::empty({40, n});
    RowInvariantGemmReference(x.data_ptr<float>(), 40, k, packed, bias.data_ptr<float>(), expected.data_ptr<float>(), n);
    CHECK(torch::allclose(expected, torch::nn::functional::linear(x, w.to(torch::kFloat32), bias), 1e-4, 1e-4));
    for (int rows : {1, 3, 8, 9, 33}) {
      torch::Tensor y = torch::empty({rows, n});
      RowInvariantGemm(x.data_ptr<float>() + 2 * k, rows, k, packed, bias.data_ptr<float>(), y.data_ptr<float>(), n);
      CHECK_MESSAGE(SameBits(y, expected.narrow(0, 2, rows)), "k " << k << " n " << n << " rows " << rows);
    }
  }
}

TEST_CASE("built-in model: a token's logits, hidden state and keys are the same bits however it is computed") {
  torch::NoGradGuard no_grad;
  Gpt model(TinyConfig(), 5);
  model->eval();
  std::mt19937 rng(9);
  const std::vector<int> a = RandomTokens(rng, 23, 259), b = RandomTokens(rng, 7, 259), c = RandomTokens(rng, 40, 259);

  KvCache alone;
  const LmOutput a_alone = model->Prefill({a}, 64, &alone);
  KvCache batch;
  const LmOutput batched = model->Prefill({b, a, c}, 64, &batch);
  CHECK(SameBits(a_alone.logits[0], batched.logits[1]));
  CHECK(SameBits(a_alone.hidden[0], batched.hidden[1]));
  // Row a sits at pad 40 - 23 in the batch and at 0 alone.
  CHECK(SameBits(RowKeys(alone, 0, 0, 23), RowKeys(batch, 1, 40 - 23, 23)));

  // Prefill of a[0..15), then decode a[15..23) one token at a time == prefill of a.
  KvCache stepwise;
  LmOutput out = model->Prefill({std::vector<int>(a.begin(), a.begin() + 15)}, 64, &stepwise);
  for (size_t t = 15; t < a.size(); ++t) out = model->Decode(torch::tensor({static_cast<int64_t>(a[t])}), &stepwise);
  CHECK(SameBits(out.logits[0], a_alone.logits[0]));
  CHECK(SameBits(RowKeys(stepwise, 0, 0, 23), RowKeys(alone, 0, 0, 23)));

  // PrefillCached: row a reuses 20 tokens' keys from `alone`, row c none; same outputs.
  KvCache reused;
  const std::vector<int64_t> cached = {0, 20};
  auto fill = [&](KvCache* cache) {
    for (int64_t l = 0; l < cache->n_layer(); ++l) {
      cache->keys(l).select(0, 1).narrow(1, 40 - 23, 20).copy_(alone.keys(l).select(0, 0).narrow(1, 0, 20));
      cache->values(l).select(0, 1).narrow(1, 40 - 23, 20).copy_(alone.values(l).select(0, 0).narrow(1, 0, 20));
    }
  };
  const LmOutput r = model->PrefillCached({c, a}, cached, 64, fill, &reused);
  CHECK(SameBits(r.logits[1], a_alone.logits[0]));
  CHECK(SameBits(r.hidden[0], batched.hidden[2]));
  CHECK(SameBits(RowKeys(reused, 1, 40 - 23, 23), RowKeys(alone, 0, 0, 23)));
}

TEST_CASE("built-in model: rows copied from one prefix decode as they would alone (shared-prefix attention)") {
  torch::NoGradGuard no_grad;
  Gpt model(TinyConfig(), 6);
  std::mt19937 rng(12);
  const std::vector<int> prefix = RandomTokens(rng, 19, 259), other = RandomTokens(rng, 11, 259);
  // Rows 0..3 copy the prefix (sharing it), row 4 is another prompt; each row then decodes
  // its own tokens, and rows are dropped and copied again on the way, leaders included (a
  // follower holds only its own slots: KvCache borrowing).
  KvCache shared;
  model->Prefill({prefix, other}, 40, &shared);
  CHECK(shared.borrowing());
  std::vector<std::vector<int>> sequence = {prefix, other};
  auto select = [&](const std::vector<int64_t>& rows) {
    shared.SelectRows(torch::tensor(rows, torch::kInt64));
    std::vector<std::vector<int>> kept;
    for (int64_t r : rows) kept.push_back(sequence[r]);
    sequence = std::move(kept);
  };
  select({0, 0, 0, 0, 1});
  CHECK(shared.share_leader(3) == 0);
  CHECK(shared.shared_end(3) == shared.length());
  CHECK(shared.share_leader(4) == 4);
  LmOutput out;
  for (int step = 0; step < 9; ++step) {
    std::vector<int64_t> ids;
    for (int r = 0; r < shared.rows(); ++r) ids.push_back(3 + (r * 7 + step * 13) % 250);
    out = model->Decode(torch::tensor(ids), &shared);
    for (int r = 0; r < shared.rows(); ++r) sequence[r].push_back(static_cast<int>(ids[r]));
    if (step == 2) {  // drop row 1, copy row 2 twice: copies of copies share up to now
      select({0, 2, 2, 3, 4});
      CHECK(shared.share_leader(2) == 0);
      CHECK(shared.shared_end(2) < shared.length());  // row 2 came from a copy that decoded its own tokens
    }
    if (step == 4) {  // compaction that drops the leader: follower 1 now leads and must hold all
      select({1, 2, 3, 4});
      CHECK(shared.share_leader(0) == 0);
      CHECK(shared.share_leader(2) == 0);
    }
    if (step == 6) {  // a reordering copy that drops the leader again
      select({2, 1, 1, 3});
      CHECK(shared.share_leader(1) == 0);
    }
  }
  for (int r = 0; r < shared.rows(); ++r) {
    std::vector<int> fed = sequence[r];
    KvCache alone;
    const LmOutput expected = model->Prefill({fed}, 40, &alone);
    CHECK_MESSAGE(SameBits(out.logits[r], expected.logits[0]), "row " << r);
  }
}

TEST_CASE("prefix cache: longest match, edge splits, byte accounting") {
  torch::NoGradGuard no_grad;
  Gpt model(TinyConfig(), 2);
  std::mt19937 rng(4);
  const std::vector<int> base = RandomTokens(rng, 30, 259);
  std::vector<int> left = base, right = base;
  left.resize(20);
  right.resize(20);
  right[12] = right[12] == 7 ? 8 : 7;  // diverges at token 12
  KvCache full;
  model->Prefill({left, right}, 32, &full);

  PrefixKvCache cache(1 << 30);
  CHECK(cache.Lookup(left, 20).tokens == 0);
  cache.Insert(left, 18, full, 0, 0);
  const int64_t per_token = cache.bytes() / 18;
  CHECK(per_token == 2 * 2 * 32 * 4);  // layers x (k, v) x d_model x float
  CHECK(cache.Lookup(left, 20).tokens == 18);
  CHECK(cache.Lookup(left, 10).tokens == 10);
  CHECK(cache.Lookup(right, 20).tokens == 12);  // shares 12 tokens, then the edge differs
  cache.Insert(right, 20, full, 1, 0);          // splits the edge at 12, stores 8 new tokens
  CHECK(cache.bytes() == per_token * (18 + 8));
  CHECK(cache.Lookup(right, 20).tokens == 20);
  CHECK(cache.Lookup(left, 20).tokens == 18);

  // What comes back is what went in.
  const PrefixKvCache::Match m = cache.Lookup(right, 20);
  KvCache copy(2, 4, 8, 32, {0});
  cache.CopyInto(m, &copy, 0, 0);
  CHECK(SameBits(RowKeys(copy, 0, 0, 20), RowKeys(full, 0 + 1, 0, 20)));
  CHECK(cache.stats().inserted == 26);
}

TEST_CASE("prefix cache: lent edges give the same bits as copies, through row copies, splits and eviction") {
  torch::NoGradGuard no_grad;
  Gpt model(TinyConfig(), 3);
  std::mt19937 rng(21);
  const std::vector<int> prefix = RandomTokens(rng, 30, 259), other = RandomTokens(rng, 9, 259);
  auto owner = std::make_unique<PrefixKvCache>(1 << 30);
  PrefixKvCache& store = *owner;
  {
    KvCache seed;
    model->Prefill({std::vector<int>(prefix.begin(), prefix.begin() + 12), prefix}, 40, &seed);
    store.Insert(std::vector<int>(prefix.begin(), prefix.begin() + 12), 12, seed, 0, 18);  // two edges: 12 + 18
    store.Insert(prefix, 30, seed, 1, 0);
  }
  std::vector<int> state = prefix;
  state.push_back(7);
  // Row 0: the state, 30 tokens served; row 1: another prompt, none.
  auto build = [&](bool lend, KvCache* cache) {
    PrefixKvCache::Match match = store.Lookup(state, 30);
    REQUIRE(match.tokens == 30);
    auto fill = [&](KvCache* c) { lend ? store.Lend(match, c, 0, 0) : store.CopyInto(match, c, 0, 0); };
    return model->PrefillCached({state, other}, {30, 0}, 48, fill, cache);
  };
  KvCache lent, copied;
  LmOutput a = build(true, &lent), b = build(false, &copied);
  CHECK(lent.spans(0).size() == 2);
  CHECK(lent.span_end(0) == 30);
  CHECK(SameBits(a.logits, b.logits));
  auto both = [&](const std::vector<int64_t>& rows) {
    lent.SelectRows(torch::tensor(rows, torch::kInt64));
    copied.SelectRows(torch::tensor(rows, torch::kInt64));
  };
  both({0, 0, 0, 1});
  for (int step = 0; step < 8; ++step) {
    std::vector<int64_t> ids;
    for (int r = 0; r < lent.rows(); ++r) ids.push_back(3 + (r * 11 + step * 5) % 250);
    a = model->Decode(torch::tensor(ids), &lent);
    b = model->Decode(torch::tensor(ids), &copied);
    CHECK_MESSAGE(SameBits(a.logits, b.logits), "step " << step);
    if (step == 2) {  // split a lent edge, then drop the whole store: the spans keep their tensors
      std::vector<int> fork(prefix.begin(), prefix.begin() + 20);
      fork.push_back(9);
      KvCache f;
      model->Prefill({fork}, 24, &f);
      store.Insert(fork, 21, f, 0, 0);
      owner.reset();
    }
    if (step == 4) both({1, 2, 3});  // drops the leader: row 1 now leads, reading the spans
  }
  // A follower's keys read through its leader and the spans equal the copy's own.
  PrefixKvCache from_lent(1 << 30), from_copied(1 << 30);
  const int64_t fed = lent.length();
  std::vector<int> dummy(fed, 5);
  from_lent.Insert(dummy, fed, lent, 1, 0);
  from_copied.Insert(dummy, fed, copied, 1, 0);
  KvCache x(2, 4, 8, fed, {0}), y(2, 4, 8, fed, {0});
  from_lent.CopyInto(from_lent.Lookup(dummy, fed), &x, 0, 0);
  from_copied.CopyInto(from_copied.Lookup(dummy, fed), &y, 0, 0);
  CHECK(SameBits(RowKeys(x, 0, 0, fed), RowKeys(y, 0, 0, fed)));
}

TEST_CASE("prefix cache: least recently used leaves go first, pinned paths stay") {
  torch::NoGradGuard no_grad;
  Gpt model(TinyConfig(), 2);
  std::mt19937 rng(5);
  std::vector<std::vector<int>> seqs;
  for (int i = 0; i < 4; ++i) seqs.push_back(RandomTokens(rng, 10, 259));
  KvCache full;
  model->Prefill(seqs, 16, &full);
  const int64_t per_token = 2 * 2 * 32 * 4;
  PrefixKvCache cache(per_token * 25);  // room for two 10-token sequences and a half
  cache.Insert(seqs[0], 10, full, 0, 0);
  cache.Insert(seqs[1], 10, full, 1, 0);
  {
    PrefixKvCache::Match pinned = cache.Lookup(seqs[0], 10);  // seqs[0] now newest and pinned
    cache.Insert(seqs[2], 10, full, 2, 0);                    // over budget: evicts seqs[1]
    CHECK(cache.Lookup(seqs[1], 10).tokens == 0);
    CHECK(cache.Lookup(seqs[0], 10).tokens == 10);
    cache.Insert(seqs[3], 10, full, 3, 0);  // seqs[0] pinned, seqs[2] older than... both live paths
    CHECK(cache.Lookup(seqs[0], 10).tokens == 10);
    CHECK(pinned.tokens == 10);
  }
  CHECK(cache.Lookup(seqs[3], 10).tokens == 10);
  CHECK(cache.bytes() <= per_token * 25);
  CHECK(cache.stats().evicted >= 10);

  PrefixKvCache off(0);
  off.Insert(seqs[0], 10, full, 0, 0);
  CHECK(off.bytes() == 0);
  CHECK(off.Lookup(seqs[0], 10).tokens == 0);
}

TEST_CASE("prefix cache in search: identical trees, one prefill token per expansion, any budget and thread count") {
  // The embedded default model: real steps, so trees grow several levels deep.
  const std::unique_ptr<Policy> policy = Policy::Load(test::SourceDir() + "/models/default");
  const std::vector<Problem> problems = LevelProblems(3, 2, 4, 4);
  SearchConfig config;
  config.mode = SearchMode::kMcts;
  config.mcts.iterations = 10;

  auto run = [&](int64_t kv_bytes, int threads, Budget* total) {
    const PolicyBackend backend(*policy, kv_bytes);
    RunOptions options;
    options.threads = threads;
    std::vector<std::string> lines;
    for (nlohmann::ordered_json& record : SearchRecords(problems, backend, config, options, total)) {
      record["budget"].erase("prefill_tokens");
      record["budget"].erase("cached_tokens");
      for (auto& point : record["answer_by_iteration"]) {
        point["budget"].erase("prefill_tokens");
        point["budget"].erase("cached_tokens");
      }
      lines.push_back(record.dump());
    }
    return lines;
  };
  Budget none, big, tiny, two;
  const std::vector<std::string> without = run(0, 1, &none);
  const std::vector<std::string> with = run(64 << 20, 1, &big);
  const std::vector<std::string> evicting = run(200 * 1024, 1, &tiny);  // about 50 tokens: evicts all the time
  const std::vector<std::string> threaded = run(64 << 20, 2, &two);
  REQUIRE(without.size() == problems.size());
  CHECK(with == without);
  CHECK(evicting == without);
  CHECK(threaded == without);
  CHECK(none.cached_tokens == 0);
  CHECK(big.prefill_tokens + big.cached_tokens == none.prefill_tokens);
  CHECK(big.prefill_tokens * 4 < none.prefill_tokens);
  CHECK(tiny.prefill_tokens > big.prefill_tokens);
  CHECK(two.prefill_tokens == big.prefill_tokens);
}

namespace {

// A trees file's records without the two budget counts the prefix cache changes.
std::vector<nlohmann::json> RecordsWithoutPrefillCounts(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json r = nlohmann::json::parse(line);
    for (const char* key : {"prefill_tokens", "cached_tokens"}) r["budget"].erase(key);
    for (auto& point : r["answer_by_iteration"]) {
      point["budget"].erase("prefill_tokens");
      point["budget"].erase("cached_tokens");
    }
    out.push_back(r);
  }
  return out;
}

// Sums one budget key over a trees file.
long SumBudget(const std::string& path, const char* key) {
  long total = 0;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) total += nlohmann::json::parse(line)["budget"].value(key, 0L);
  return total;
}

}  // namespace

TEST_CASE("search --kv-cache-mb: the same trees file with the cache off, and exit 2 on a bad size" * doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  const std::string base = test::Binary() + " search --problems 3 --mode mcts --iterations 5 --threads 1 --output ";
  REQUIRE(test::Run(base + dir.path() + "/on.jsonl").exit_code == 0);
  REQUIRE(test::Run(base + dir.path() + "/off.jsonl --kv-cache-mb 0").exit_code == 0);
  const std::vector<nlohmann::json> on = RecordsWithoutPrefillCounts(dir.path() + "/on.jsonl");
  REQUIRE(on.size() == 3);
  CHECK(on == RecordsWithoutPrefillCounts(dir.path() + "/off.jsonl"));
  const test::CommandResult bad = test::Run(base + dir.path() + "/bad.jsonl --kv-cache-mb -1");
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--kv-cache-mb") != std::string::npos);
}

TEST_CASE("Hugging Face model on the CPU: the prefix cache and cross-tree batching keep every tree, fp32 and bf16" * doctest::test_suite("runs-binary")) {
  test::TempDir dir;
  test::hf::TinySpec spec;
  spec.architecture = "Qwen2ForCausalLM";
  spec.tied = true;
  // Weights N(0, 0.02), as the bench draws them: near-uniform next-token distributions, so
  // the candidates differ and the trees grow (the fixtures' peaked weights repeat one step).
  const std::string model = dir.path() + "/q";
  const nlohmann::json config_json = test::hf::TinyConfig(spec);
  HfRandomWeightOptions weights;
  weights.seed = 5;
  weights.bf16 = true;
  weights.matrix_std = weights.embedding_std = weights.norm_std = weights.bias_std = 0.02;
  WriteHfCheckpoint(model, config_json, nullptr, HfRandomWeights(HfModelConfig::FromJson(config_json, "config.json"), weights));
  WriteHfByteTokenizer(model, "qwen");
  for (const std::string dtype : {"f32", "bf16"}) {
    INFO("dtype " << dtype);
    const std::string base = test::Binary() + " search --model " + model + " --dtype " + dtype +
                             " --problems 3 --mode mcts --iterations 6 --max-step-tokens 40 --threads 1 "
                             // Random weights: steps end at any of these characters (a cut step is terminal).
                             "--stop '[\"a\",\"e\",\"i\",\"o\",\"n\",\"t\",\"s\",\"r\",\" \",\"0\",\"1\",\"2\",\"3\"]' "
                             "--allow-untrained-value --output " + dir.path() + "/" + dtype;
    const std::string cached = dir.path() + "/" + dtype + "-on.jsonl";
    REQUIRE(test::Run(base + "-on.jsonl").exit_code == 0);
    REQUIRE(test::Run(base + "-off.jsonl --kv-cache-mb 0").exit_code == 0);
    REQUIRE(test::Run(base + "-batched.jsonl --trees-per-worker 3").exit_code == 0);
    const std::vector<nlohmann::json> on = RecordsWithoutPrefillCounts(cached);
    REQUIRE(on.size() == 3);
    CHECK(on == RecordsWithoutPrefillCounts(dir.path() + "/" + dtype + "-off.jsonl"));
    CHECK(on == RecordsWithoutPrefillCounts(dir.path() + "/" + dtype + "-batched.jsonl"));
    // The cache served most of the prompt tokens: each expansion computes about one token.
    const long hits = SumBudget(cached, "cached_tokens"), computed = SumBudget(cached, "prefill_tokens");
    CHECK(SumBudget(dir.path() + "/" + dtype + "-off.jsonl", "cached_tokens") == 0);
    CHECK(hits > 2 * computed);
  }
  // --kernels torch: torch's kernels, not row-invariant, so no reuse and no cross-tree batching.
  const std::string torch_run = test::Binary() + " search --model " + model +
                                " --kernels torch --problems 3 --mode mcts --iterations 6 --max-step-tokens 40 --threads 1 "
                                "--stop '[\"a\",\"e\",\"i\",\"o\",\"n\",\"t\",\"s\",\"r\",\" \",\"0\",\"1\",\"2\",\"3\"]' "
                                "--allow-untrained-value --output " + dir.path() + "/torch";
  REQUIRE(test::Run(torch_run + ".jsonl").exit_code == 0);
  CHECK(SumBudget(dir.path() + "/torch.jsonl", "cached_tokens") == 0);
  CHECK(SumBudget(dir.path() + "/torch.jsonl", "prefill_tokens") > SumBudget(dir.path() + "/f32-on.jsonl", "prefill_tokens"));
  const test::CommandResult batched = test::Run(torch_run + "-batched.jsonl --trees-per-worker 2");
  CHECK(batched.exit_code == 2);
  CHECK(batched.output.find("--kernels invariant") != std::string::npos);
}

TEST_CASE("cross-tree batching: trees and budgets are byte-identical with several trees per worker and any --max-batch") {
  const std::unique_ptr<Policy> policy = Policy::Load(test::SourceDir() + "/models/default");
  const std::vector<Problem> problems = LevelProblems(8, 1, 4, 7);
  for (SearchMode mode : {SearchMode::kMcts, SearchMode::kSbs}) {
    SearchConfig config;
    config.mode = mode;
    config.mcts.iterations = 10;
    config.sbs.b1 = 2;
    auto run = [&](int threads, int trees_per_worker, int64_t kv_bytes, int max_batch_rows = 0) {
      const PolicyBackend backend(*policy, kv_bytes);
      RunOptions options;
      options.threads = threads;
      options.trees_per_worker = trees_per_worker;
      options.max_batch_rows = max_batch_rows;
      std::vector<std::string> lines;
      for (const nlohmann::ordered_json& record : SearchRecords(problems, backend, config, options)) {
        lines.push_back(record.dump());
      }
      return lines;
    };
    CAPTURE(SearchModeName(mode));
    const std::vector<std::string> alone = run(1, 1, 64 << 20);
    REQUIRE(alone.size() == problems.size());
    CHECK(run(1, 3, 64 << 20) == alone);
    CHECK(run(2, 4, 64 << 20) == alone);
    CHECK(run(1, 4, 64 << 20, 12) == alone);  // batches run at 12 rows, before every tree waits
    CHECK(run(1, 3, 0) == run(1, 1, 0));  // without the prefix cache too
  }
}
