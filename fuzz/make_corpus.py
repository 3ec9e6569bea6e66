#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/): small inputs made
here, no third-party data. Run from anywhere; rewrites the files it owns (seed-*)."""
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


def jsonl(*records):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


# problem_records: first byte A auto, B steptree, C gsm8k, D math, E generic (q/a fields).
steptree = jsonl({"id": "s1", "question": "Calculate 2*3+4.", "answer": "10", "steps": ["2*3=6", "6+4=10", "The answer is 10"],
                  "difficulty": 2, "source": "synthetic"},
                 {"question": "What is 7-2?", "answer": 5})
gsm8k = jsonl({"question": "Tom has 3 apples and buys 4 more. How many?", "answer": "He has 3+4=<<3+4=7>>7 apples.\n#### 7"},
              {"question": "A pen costs $1,200. Two pens?", "answer": "2*1200=<<2*1200=2400>>2400\n#### 2,400"})
math = jsonl({"problem": "Find $x$ if $2x=6$.", "solution": "Divide by 2.\n\nSo $x=\\boxed{3}$.", "level": "Level 2",
              "type": "Algebra", "unique_id": "test/algebra/1.json"},
             {"problem": "Simplify $\\frac{4}{6}$.", "answer": "\\frac{2}{3}", "level": 1, "subject": "Prealgebra"},
             {"question": "Evaluate $\\sqrt{16}$.", "answer": "We have $\\sqrt{16}=4$.\n\\[\\begin{aligned}a&=b\\end{aligned}\\]\nThe answer is: 4"})
generic = jsonl({"q": "How many legs has a cat?", "a": "The answer is 4"}, {"q": "Name a prime.", "a": 7, "id": 3})
write("problem_records", "auto-steptree", "A" + steptree)
write("problem_records", "steptree", "B" + steptree)
write("problem_records", "auto-gsm8k", "A" + gsm8k)
write("problem_records", "gsm8k", "C" + gsm8k)
write("problem_records", "math", "D" + math)
write("problem_records", "auto-math", "A" + math)
write("problem_records", "generic", "E" + generic)
write("problem_records", "bad-lines", "A" + '{"question": "x"}\r\n\n  \n{"question": "x", "id": "s"}\n{"question": "y", "id": "s"}\n[1, {"a": [true, null]}]\n')


def node(tag, step, value, visits, value_sum, terminal=False, end="step", answer=None, correct=None):
    n = {"tag": tag, "step": step, "prior": 0.5, "value": value, "q": 0.0 if visits == 0 else value_sum / visits,
         "value_sum": value_sum, "visits": visits, "depth": tag.count("."), "terminal": terminal, "end": end,
         "logprob": -1.0, "tokens": 5, "merged": 0}
    if terminal:
        n["answer"] = answer
        n["correct"] = correct
    return n


tree = [node("0", "Calculate 2*3+4.", 0.0, 10, -2), node("0.0", "2*3=6", 0.2, 6, 2), node("0.0.0", "6+4=10", 0.5, 3, 1),
        node("0.0.0.0", "The answer is 10", 1, 2, 2, True, "final", "10", True),
        node("0.0.0.1", "The answer is 11", -1, 1, -1, True, "final", "11", False), node("0.0.1", "6+4=11", 0.4, 3, -3),
        node("0.0.1.0", "The answer is 11", -1, 3, -3, True, "final", "11", False), node("0.1", "2*3=5", -0.1, 3, -1),
        node("0.1.0", "5+4=9", 0.1, 2, 0), node("0.1.0.0", "The answer is 10", 1, 1, 1, True, "final", "10", True),
        node("0.1.0.1", "The answer is 9", -1, 1, -1, True, "final", "9", False), node("0.1.1", "5+4=9 ", 0.3, 1, -1),
        node("0.1.1.0", "The answer is 9", -1, 1, -1, True, "final", "9", False), node("0.2", "2*3=7", -0.5, 1, -1),
        node("0.2.0", "7+4=<<7+4=11>>", -1, 1, -1, True, "cut", None, False), node("0.3", "2+3=5", 0.0, 0, 0)]


def tree_record(rid, problem, nodes):
    return {"format": "steptree-tree", "version": 1, "id": rid, "problem": problem, "config": {"mode": "mcts"},
            "budget": {"generated_tokens": 1, "prefill_tokens": 1, "forward_calls": 1, "nodes": len(nodes)},
            "answer": "10", "correct": True, "tree": nodes}


synthetic = {"id": "p1", "question": "Calculate 2*3+4.", "answer": "10", "difficulty": 2, "source": "synthetic",
             "steps": ["2*3=6", "6+4=10", "The answer is 10"]}
write("tree_reader", "synthetic", jsonl(tree_record("p1", synthetic, tree)))
write("tree_reader", "gsm8k-and-math", jsonl(
    tree_record("g1", {"question": "Calculate 2*3+4.", "answer": "2*3=6\n6+4=10\n#### 10"}, tree),
    tree_record("m1", {"problem": "Calculate 2*3+4.", "solution": "$\\boxed{10}$", "level": "Level 3"}, tree[:1]),
    tree_record("x1", {"question": "Calculate 2*3+4.", "gold": "10"}, [node("0", "Calculate 2*3+4.", 0, 1, 1),
                node("0.0", "The answer is 10", 1, 1, 1, True, "final", "10", True)])))
write("tree_reader", "countdown", jsonl(tree_record("c1", {"id": "c1", "question": "Use 3, 5, 7 to make 22.", "answer": "22",
                                                            "source": "countdown", "difficulty": 1}, tree)))

# grader: the two halves of the input are compared.
for name, a, b in [("numbers", "The answer is 1,000.", "1000"), ("boxed", "so \\boxed{\\frac{1}{2}}.", "0.5"),
                   ("tuple", "$(1, \\sqrt{2})$", "\\left(1,\\sqrt 2\\right)"), ("interval", "[0, \\infty)", "x \\ge 0"),
                   ("pm", "The answer is $1 \\pm \\sqrt{3}$", "1+\\sqrt3, 1-\\sqrt3"), ("power", "2^{10}", "1024"),
                   ("gsm", "#### 72", "72 dollars"), ("text", "Final Answer: \\text{east}", "East"),
                   ("matrix", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "[[1,2],[3,4]]"), ("percent", "50\\%", "0.5"),
                   ("equation", "y = 2x + 1", "2x - y + 1 = 0"), ("degrees", "90^\\circ", "90")]:
    a_bytes, b_bytes = a.encode(), b.encode()
    # pad the shorter half so the split at size/2 falls between them
    if len(a_bytes) < len(b_bytes):
        a_bytes += b" " * (len(b_bytes) - len(a_bytes))
    else:
        b_bytes = b" " * (len(a_bytes) - len(b_bytes)) + b_bytes
    write("grader", name, a_bytes + b_bytes)

for name, expr in [("arith", "2*3+4"), ("fraction", "7/2-1/3"), ("parens", "((1+2)*(3-4))/5"), ("power", "2**10"),
                   ("percent", "50%*80"), ("decimal", "1.25*4"), ("neg", "-(-3)"), ("divzero", "1/0"),
                   ("toolcall", "So <<25*4=100>> and <<3+4="), ("big", "99999999999999999999*99999999999999999999")]:
    write("calculator", name, expr)

# hf_tokenizer: "tokenizer.json\0config\0text", "tokenizer.json\0text" or "text".


def byte_level(b):
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    if b in printable:
        return chr(b)
    return chr(256 + sorted(set(range(256)) - set(printable)).index(b))


def tokenizer_json(pre, post, normalizer=None, added=True, merges_as_lists=False):
    vocab = {byte_level(b): b for b in range(256)}
    merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("Ċ", "Ċ"), ("1", "2")]
    for i, (l, r) in enumerate(merges):
        vocab[l + r] = 256 + i
    tok = {"version": "1.0", "truncation": None, "padding": None,
           "added_tokens": [{"id": 261, "content": "<|bos|>", "single_word": False, "lstrip": False, "rstrip": False,
                             "normalized": False, "special": True},
                            {"id": 262, "content": "<|eos|>", "single_word": False, "lstrip": True, "rstrip": True,
                             "normalized": False, "special": True}] if added else [],
           "normalizer": normalizer, "pre_tokenizer": pre, "post_processor": post, "decoder": {"type": "ByteLevel"},
           "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                     "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                     "vocab": vocab,
                     "merges": [list(m) for m in merges] if merges_as_lists else [l + " " + r for l, r in merges]}}
    return json.dumps(tok, ensure_ascii=False)


gpt2_pre = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
llama3_regex = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
                "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
qwen_regex = llama3_regex.replace("\\p{N}{1,3}", "\\p{N}")
llama3_pre = {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": llama3_regex}, "behavior": "Isolated", "invert": False},
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
qwen_pre = {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": qwen_regex}, "behavior": "Isolated", "invert": False},
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]}
template = {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|bos|>", "type_id": 0}},
                                                      {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [], "special_tokens": {}}
text = "Hello the world!\n\n12 + 34 = 46 <|eos|> caf\u00e9 \u2014 \u00e9t\u00e9 \U0001F600 I'm   done.\r\n"
write("hf_tokenizer", "text-only", text)
write("hf_tokenizer", "gpt2", tokenizer_json(gpt2_pre, {"type": "ByteLevel"}) + "\0" + text)
write("hf_tokenizer", "llama3", tokenizer_json(llama3_pre, template) + "\0" +
      json.dumps({"bos_token": "<|bos|>", "eos_token": {"content": "<|eos|>"}, "chat_template": "{{x}}"}) + "\0" + text)
write("hf_tokenizer", "qwen2-nfc", tokenizer_json(qwen_pre, None, {"type": "Sequence", "normalizers": [{"type": "NFC"}]},
                                                   merges_as_lists=True) + "\0{}\0" + "e\u0301 1234567 \u00c5ngstr\u00f6m\t\t x")
write("hf_tokenizer", "roberta", tokenizer_json(gpt2_pre, {"type": "RobertaProcessing", "sep": ["<|eos|>", 262],
                                                           "cls": ["<|bos|>", 261]}, added=True) + "\0" + text)
write("hf_tokenizer", "invalid-utf8", b"\xff\xfe the \xc3\x28 \xe2\x82 \xf0\x9f\x98")


def spm_json(normalizer, pre, decoder, fallback=True):
    """A SentencePiece-style tokenizer.json: <unk> <s> </s>, 256 byte tokens, a few merges."""
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab["<0x%02X>" % b] = 3 + b
    for i, c in enumerate("\u2581helowrd"):
        vocab[c] = 259 + i
    merges = [("\u2581", "h"), ("l", "l"), ("\u2581h", "e"), ("ll", "o"), ("\u2581he", "llo"), ("\u2581", "\u2581")]
    for i, (l, r) in enumerate(merges):
        vocab[l + r] = 268 + i
    added = [{"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
              "special": True} for i, c in enumerate(["<unk>", "<s>", "</s>"])]
    tok = {"version": "1.0", "added_tokens": added, "normalizer": normalizer, "pre_tokenizer": pre,
           "post_processor": template_spm, "decoder": decoder,
           "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": True, "byte_fallback": fallback, "vocab": vocab,
                     "merges": [l + " " + r for l, r in merges]}}
    return json.dumps(tok, ensure_ascii=False)


template_spm = {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                                          {"Sequence": {"id": "A", "type_id": 0}}]}
replace_space = {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}
spm_decoder = {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                                                {"type": "ByteFallback"}, {"type": "Fuse"},
                                                {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
write("hf_tokenizer", "spm-llama2", spm_json({"type": "Sequence", "normalizers": [
    {"type": "Prepend", "prepend": "\u2581"}, replace_space]}, None, spm_decoder) + "\0" +
      json.dumps({"bos_token": "<s>", "tokenizer_class": "LlamaTokenizer"}) + "\0" + text)
write("hf_tokenizer", "spm-legacy-free", spm_json(None, None, spm_decoder, fallback=False) + "\0" +
      json.dumps({"tokenizer_class": "LlamaTokenizerFast", "legacy": False}) + "\0<s>hello \u2581 <s>")
write("hf_tokenizer", "spm-gemma3", spm_json(replace_space, {"type": "Split", "pattern": {"String": " "},
                                                             "behavior": "MergedWithPrevious", "invert": False},
                                             {"type": "Sequence", "decoders": spm_decoder["decoders"][:3]}) + "\0{}\0" + text)
write("hf_tokenizer", "spm-metaspace", spm_json(None, {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True,
                                                        "prepend_scheme": "first", "split": False},
                                                {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True})
      + "\0{}\0" + text)
deepseek_pre = {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated", "invert": False},
    {"type": "Split", "pattern": {"Regex": "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+"}, "behavior": "Isolated",
     "invert": False},
    {"type": "Split", "pattern": {"Regex": "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|"
                                           "[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|"
                                           "\\s*[\r\n]+|\\s+(?!\\S)|\\s+"}, "behavior": "Isolated", "invert": False},
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
write("hf_tokenizer", "deepseek", tokenizer_json(deepseek_pre, {"type": "ByteLevel"}) + "\0{}\0" +
      "$x+1 \u65e5\u672c\u8a9e\u3072\u3089 1234567 e\u0301t\u00e9 .Hello \U0001F600\n\n")

# model_config: first byte even -> Hugging Face config.json, odd -> the built-in config.
llama = {"architectures": ["LlamaForCausalLM"], "vocab_size": 512, "hidden_size": 64, "intermediate_size": 128,
         "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 256,
         "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "tie_word_embeddings": True, "hidden_act": "silu",
         "bos_token_id": 1, "eos_token_id": [2, 3], "torch_dtype": "bfloat16",
         "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                          "original_max_position_embeddings": 8192}}
qwen = {"architectures": ["Qwen2ForCausalLM"], "vocab_size": 1000, "hidden_size": 96, "intermediate_size": 256,
        "num_hidden_layers": 1, "num_attention_heads": 6, "head_dim": 16, "max_position_embeddings": 4096,
        "rms_norm_eps": 1e-6, "use_sliding_window": True, "sliding_window": 1024, "eos_token_id": 5}
mistral = {"architectures": ["MistralForCausalLM"], "vocab_size": 300, "hidden_size": 32, "intermediate_size": 64,
           "num_hidden_layers": 3, "num_attention_heads": 2, "max_position_embeddings": 512, "rms_norm_eps": 1e-5,
           "sliding_window": 128, "rope_scaling": {"type": "linear", "factor": 2.0}}
gpt = {"architecture": "steptree-gpt", "tokenizer": "byte", "vocab_size": 259, "n_layer": 4, "n_head": 4,
       "d_model": 128, "d_ff": 512, "context": 256, "positions": "rope", "rope_theta": 10000.0, "dropout": 0.0,
       "tie_embeddings": True, "tool": "calculator", "training": {"steps": 10}}
write("model_config", "llama", "0" + json.dumps(llama, indent=2))
write("model_config", "qwen2", "0" + json.dumps(qwen))
write("model_config", "mistral", "0" + json.dumps(mistral))
write("model_config", "gpt", "1" + json.dumps(gpt, indent=1))
write("model_config", "gpt-learned", "1" + json.dumps(dict(gpt, positions="learned", tie_embeddings=False, tool="none")))


# safetensors: whole files.
def safetensors(entries, data, metadata=None, pad=True):
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    header.update(entries)
    text = json.dumps(header).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


write("safetensors", "two-tensors", safetensors(
    {"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
     "b": {"dtype": "BF16", "shape": [3], "data_offsets": [16, 22]}}, bytes(range(22)), {"format": "pt"}))
write("safetensors", "all-dtypes", safetensors(
    {name: {"dtype": name, "shape": [1], "data_offsets": [i * 8, i * 8 + size]}
     for i, (name, size) in enumerate([("F64", 8), ("I64", 8), ("I32", 4), ("I16", 2), ("I8", 1), ("U8", 1),
                                       ("BOOL", 1), ("F16", 2)])}, bytes(64)))
write("safetensors", "empty-tensor", safetensors({"e": {"dtype": "F32", "shape": [0, 5], "data_offsets": [0, 0]},
                                                  "s": {"dtype": "U8", "shape": [], "data_offsets": [0, 1]}}, b"\x07", pad=False))
write("safetensors", "empty-header", safetensors({}, b""))

# weight_index
write("weight_index", "two-shards", json.dumps({"metadata": {"total_size": 1234}, "weight_map": {
    "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
    "model.layers.0.input_layernorm.weight": "model-00001-of-00002.safetensors",
    "lm_head.weight": "model-00002-of-00002.safetensors"}}, indent=2))
write("weight_index", "bad-name", json.dumps({"weight_map": {"x": "../secret"}}))

# sweep_config: first byte even -> JSON, odd -> YAML.
sweep = {"data": "problems.jsonl", "format": "gsm8k", "limit": 10, "seed": 1, "subsets": 20, "bootstrap": 100,
         "methods": [{"mode": "greedy"}, {"mode": "maj", "k": [1, 2, 4, 8]}, {"mode": "sbs", "b1": [1, 2, 3], "b2": 5},
                     {"mode": "mcts", "iterations": [5, 10, 20, 30]}, {"mode": "bon", "n": [2, 4], "temperature": [0.7, 1.0]}]}
write("sweep_config", "json", "0" + json.dumps(sweep, indent=2))
write("sweep_config", "yaml", "1" + """# a budget sweep
synthetic: 20
problem_seed: 7
family: arithmetic
terminal_reward: gold
methods:
  - mode: greedy
  - {mode: maj, k: [1, 2, 4]}
  - mode: mcts
    iterations: [5, 10, 20]
    value_source: [model, oracle]
  - mode: dvts
    n: [4, 8]
    m: 2
""")
write("sweep_config", "yaml-anchors", "1" + """synthetic: 5
seed: &s 3
subsets: *s
methods:
  - &sbs {mode: sbs, b1: [1, 2], b2: "4"}
  - {mode: maj, k: [*s, 8]}
""")

# chat_template: "template" or "template\0variables JSON".
CHATML = ("{%- for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}"
          "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
write("chat_template", "chatml", CHATML)
write("chat_template", "chatml-variables", CHATML + "\0" + json.dumps(
    {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "add_generation_prompt": False}))
write("chat_template", "statements", """{% set ns = namespace(n=0) %}{% macro m(a, b='x') %}{{ a ~ b ~ varargs|length }}{% endmacro %}
{%- for x in messages if x.role != 'system' -%}
  {%- if loop.first %}{{ m(x.role) }}{% elif x.content is string %}{{ x.content|trim|upper }}{% else %}{{ x.content|tojson(indent=2) }}{% endif %}
  {%- set ns.n = ns.n + 1 -%}{% if ns.n > 2 %}{% break %}{% endif %}
{%- else %}none{% endfor %}{% call m('c') %}body{% endcall %}{% filter lower %}ABC{% endfilter %}
{#- comment -#}{{ raise_exception('stop') if ns.n > 5 }}""")
write("chat_template", "expressions", "{{ (1 + 2 * 3 // 2 % 5 ** 2) ~ 'x'[0:1] ~ [1, 2][::-1]|join(',') ~ {'a': none}|items|list|string }}"
      "{{ 'a' in 'abc' and not 1 == 2 or none is none }}{{ messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|first }}"
      "{{ range(3)|sort(reverse=true)|unique|length }}{{ '  s  '.strip().split() }}{{ 'ß'|upper }}{{ 2.5|round }}")
write("chat_template", "errors", "{% if %}{{ x.y( }}{% for %}{% endif %}")
