// Scaled dot-product attention for the GPT policy (torch; include only from torch
// translation units). Attention (Vaswani et al. 2017): Y = softmax(alpha Q K^T + bias) V,
// alpha = 1/sqrt(head_dim) unless the caller folded it into Q already (RoPE tables do).
// RoPE (Su et al. 2021) in rotate-half form: x * cos + swap_halves(x) * sin, with the sign
// folded into the sin table (-sin on the first half, +sin on the second).
//
// Why not torch::matmul: on CPU, LibTorch 1.13's bmm runs its B*H small products one after
// the other, each through select() + gemm with microseconds of dispatch and no parallelism
// across the batch, and the [B, T, 3, H, d] -> [B, H, T, d] layout changes cost copies
// (and zero-filled select/narrow gradients in the backward pass). At the policy's sizes
// (head_dim 32, T <= 256) that was a third of a training step and most of a decode step.
// Here each product goes straight to the BLAS sgemm that LibTorch itself links, reading and
// writing the projection's layout through leading dimensions (no copies), with the B*H
// products split across threads (at::parallel_for; BLAS runs single-threaded inside). The
// decode step (one query per row) uses a direct dot-product kernel. Every (row, head) is
// computed on its own, so results do not depend on the batch composition or thread count.
// Without a loadable sgemm_ (or with STEPTREE_NO_DIRECT_GEMM set) torch::matmul is used.
#pragma once

#include <cstdint>

#include <torch/torch.h>

#include "policy/model/kv_cache.h"

namespace steptree {

// RoPE of the query and key slices of the projection: x [B, T, 2, H, d] (last dimension
// contiguous, d even), tables [T, 2, 1, d] or [B, T, 2, 1, d]. Returns a new contiguous
// tensor; no autograd (the training path differentiates inside SelfAttention).
torch::Tensor ApplyRope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

// Full self-attention from the fused projection, differentiable in qkv (the training
// path). qkv [B, T, 3, H, d] with a contiguous last dimension; cos/sin RoPE tables
// broadcastable to [B, T, 2, H, d], or undefined for no rotation; bias broadcastable to
// [B, H, T, T] (not differentiated). Returns [B, T, H, d].
torch::Tensor SelfAttention(const torch::Tensor& qkv, const torch::Tensor& cos, const torch::Tensor& sin,
                            const torch::Tensor& bias, double alpha);

// Inference attention over the cache, one query at a time: query t of row b sits in slot
// slot0 + t of cache row row0 + b and attends that row's slots [pad, slot0 + t] of `layer`
// (a row that shares a prefix reads those slots from its leader: KvCache sharing):
//   y[b,t,h] = sum_s softmax_s(alpha q[b,t,h] . k[row0+b,h,s]) v[row0+b,h,s].
// q float [B, T, H, d]; returns [B, T, H, d] (zeros for a padding query, which has no keys).
// Grouped-query attention (Ainslie et al. 2023) when the cache holds KV < H heads (H a
// multiple of KV): query head h reads cache head h / (H / KV).
// Every query runs the same kernel as a decode step, whatever T, B or the chunk it is in, so
// a token's output is bit-identical whether it is prefilled, extended or decoded (the
// prefix KV cache relies on it, policy/engine/prefix_cache.h). No autograd.
torch::Tensor CachedAttention(const torch::Tensor& q, KvCache& cache, int64_t layer, int64_t row0, int64_t slot0,
                              double alpha);

// True when products go to BLAS directly (false: the torch::matmul fallback).
bool HaveDirectGemm();

}  // namespace steptree
