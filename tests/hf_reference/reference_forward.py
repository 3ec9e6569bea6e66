#!/usr/bin/python3
"""Independent reference forward of Llama-family checkpoints (LlamaForCausalLM,
Qwen2ForCausalLM, MistralForCausalLM) for steptree's tests (tests/test_hf_model.cc).

Written from the published model definitions (Touvron et al. 2023, Llama; Qwen2 technical
report; transformers' config semantics), not from steptree's C++: it reads config.json and
the safetensors file(s) with its own small reader (json + struct) and computes in float64
with plain full-sequence attention (no KV cache, heads expanded with repeat_interleave), so
it shares no code or layout trick with the C++ model.

Usage: reference_forward.py MODEL_DIR IDS OUT.json [--generate N]
  IDS        comma-separated prompt token ids
  OUT.json   {"logits": [[float] * vocab] * len(IDS), "greedy": [N ids]}
Needs Debian's python3-torch (run with /usr/bin/python3).
"""
import json
import math
import os
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len].decode("utf-8"))
    base = 8 + header_len
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[base + begin:base + end])
        dtype = DTYPES[entry["dtype"]]
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(entry["shape"]).to(torch.float64)
    return tensors


def read_weights(model_dir):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
    else:
        shards = ["model.safetensors"]
    weights = {}
    for shard in shards:
        weights.update(read_safetensors(os.path.join(model_dir, shard)))
    return weights


def rope_frequencies(cfg, head_dim):
    theta = cfg.get("rope_theta", 10000.0)
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    scaling = cfg.get("rope_scaling")
    if not scaling:
        return inv_freq
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "linear":
        return inv_freq / scaling["factor"]
    if kind == "llama3":
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old_len = scaling["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv_freq
        scaled = torch.where(wavelen > old_len / low, inv_freq / factor, inv_freq)
        smooth = (old_len / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = (wavelen >= old_len / high) & (wavelen <= old_len / low)
        return torch.where(medium, smoothed, scaled)
    assert kind == "default", kind
    return inv_freq


def rms_norm(x, weight, eps):
    return weight * (x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps))


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


def linear(x, w, weights):
    y = x @ weights[w + ".weight"].T
    if w + ".bias" in weights:
        y = y + weights[w + ".bias"]
    return y


def forward(cfg, weights, ids):
    """Logits [T, vocab] of the sequence ids (float64)."""
    hidden = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads", heads)
    head_dim = cfg.get("head_dim") or hidden // heads
    eps = cfg["rms_norm_eps"]
    T = len(ids)
    x = weights["model.embed_tokens.weight"][torch.tensor(ids)]
    angles = torch.arange(T, dtype=torch.float64)[:, None] * rope_frequencies(cfg, head_dim)[None, :]
    cos = torch.cat((angles.cos(), angles.cos()), -1)[None]  # [1, T, head_dim]
    sin = torch.cat((angles.sin(), angles.sin()), -1)[None]
    mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    for layer in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % layer
        h = rms_norm(x, weights[p + "input_layernorm.weight"], eps)
        q = linear(h, p + "self_attn.q_proj", weights).view(T, heads, head_dim).transpose(0, 1)
        k = linear(h, p + "self_attn.k_proj", weights).view(T, kv_heads, head_dim).transpose(0, 1)
        v = linear(h, p + "self_attn.v_proj", weights).view(T, kv_heads, head_dim).transpose(0, 1)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        k = k.repeat_interleave(heads // kv_heads, dim=0)
        v = v.repeat_interleave(heads // kv_heads, dim=0)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(head_dim) + mask, dim=-1)
        y = (att @ v).transpose(0, 1).reshape(T, heads * head_dim)
        x = x + linear(y, p + "self_attn.o_proj", weights)
        h = rms_norm(x, weights[p + "post_attention_layernorm.weight"], eps)
        gate = linear(h, p + "mlp.gate_proj", weights)
        up = linear(h, p + "mlp.up_proj", weights)
        x = x + linear(gate * torch.sigmoid(gate) * up, p + "mlp.down_proj", weights)
    x = rms_norm(x, weights["model.norm.weight"], eps)
    head = weights["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else weights["lm_head.weight"]
    return x @ head.T


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    model_dir, ids, out = argv[1], [int(i) for i in argv[2].split(",")], argv[3]
    generate = int(argv[5]) if len(argv) > 5 and argv[4] == "--generate" else 0
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    assert cfg["architectures"][0] in ("LlamaForCausalLM", "Qwen2ForCausalLM", "MistralForCausalLM")
    weights = read_weights(model_dir)
    with torch.no_grad():
        logits = forward(cfg, weights, ids)
        sequence = list(ids)
        for _ in range(generate):
            sequence.append(int(forward(cfg, weights, sequence)[-1].argmax()))
    with open(out, "w") as f:
        json.dump({"logits": logits.tolist(), "greedy": sequence[len(ids):]}, f)


if __name__ == "__main__":
    main(sys.argv)
