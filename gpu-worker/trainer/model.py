"""A decoder-only transformer (GPT-2 architecture), with a KV cache for export and sampling.

Read top to bottom: attention → MLP → block → model. References:
  Vaswani et al. 2017, "Attention Is All You Need" §3.2 (scaled dot-product attention);
  Radford et al. 2019, GPT-2 §2.3 (pre-LayerNorm blocks, final LayerNorm, residual init scaling);
  Hendrycks & Gimpel 2016 (GELU; GPT-2 uses its tanh approximation);
  Karpathy, nanoGPT model.py (layout of this file).

Positions are learned absolute embeddings (GPT-2's choice): the context is fixed and short (256),
so extrapolation — what RoPE/ALiBi buy — is not needed; a position lookup exports to ONNX as one
Gather, and the whole network is then exactly GPT-2, so Optimum/Transformers.js conventions
(`model_type: gpt2`) describe it with no custom code.

Shapes: B batch, S new tokens, P cached (past) tokens, T = P + S, nh heads, hs head size, C = d_model.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from config import ModelConfig

KV = tuple[torch.Tensor, torch.Tensor]  # (key, value), each (B, nh, T, hs)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        assert cfg.d_model % cfg.n_head == 0
        self.n_head = cfg.n_head
        self.d_model = cfg.d_model
        self.head_size = cfg.d_model // cfg.n_head
        self.c_attn = nn.Linear(cfg.d_model, 3 * cfg.d_model)  # q, k, v projections in one matmul
        self.c_proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor, past: KV | None) -> tuple[torch.Tensor, KV]:
        B, S, _ = x.shape
        C, hs = self.d_model, self.head_size  # plain ints: constants in an exported graph
        q, k, v = self.c_attn(x).split(C, dim=2)  # each (B, S, C)
        q = q.view(B, S, self.n_head, hs).transpose(1, 2)  # (B, nh, S, hs)
        k = k.view(B, S, self.n_head, hs).transpose(1, 2)  # (B, nh, S, hs)
        v = v.view(B, S, self.n_head, hs).transpose(1, 2)  # (B, nh, S, hs)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)  # (B, nh, T, hs)
            v = torch.cat([past[1], v], dim=2)  # (B, nh, T, hs)
        # softmax(q kᵀ / √hs) v  — Vaswani et al. 2017, eq. 1
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # (B, nh, S, T)
        # masked_fill (not adding -inf): a fully masked row (a left-pad query) stays finite → uniform
        att = att.masked_fill(~allowed, torch.finfo(att.dtype).min)
        att = self.dropout(F.softmax(att, dim=-1))
        y = att @ v  # (B, nh, S, hs)
        y = y.transpose(1, 2).contiguous().view(B, S, C)  # (B, S, C): heads side by side
        return self.dropout(self.c_proj(y)), (k, v)


class MLP(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.c_fc = nn.Linear(cfg.d_model, 4 * cfg.d_model)  # 4× expansion, Vaswani et al. §3.3
        self.gelu = nn.GELU(approximate="tanh")  # GPT-2's "gelu_new"
        self.c_proj = nn.Linear(4 * cfg.d_model, cfg.d_model)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))  # (B, S, C)


class Block(nn.Module):
    """Pre-LayerNorm residual block (GPT-2 §2.3): x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.d_model)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.d_model)
        self.mlp = MLP(cfg)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor, past: KV | None) -> tuple[torch.Tensor, KV]:
        a, present = self.attn(self.ln_1(x), allowed, past)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, present


def attention_allowed(S: int, T: int, attention_mask: torch.Tensor | None, device) -> torch.Tensor:
    """Which keys each new query may see: causal (key position ≤ query position) and not padding.

    The S new queries sit at positions T-S … T-1 of the T keys (P = T - S cached ones first)."""
    q_pos = torch.arange(T - S, T, device=device)  # (S,)
    k_pos = torch.arange(T, device=device)  # (T,)
    allowed = (k_pos[None, :] <= q_pos[:, None])[None, None]  # (1, 1, S, T)
    if attention_mask is not None:
        allowed = allowed & attention_mask[:, None, None, :].bool()  # (B, 1, S, T)
    return allowed


class GPT(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)  # tokens; also the output head (tied)
        self.wpe = nn.Embedding(cfg.context_length, cfg.d_model)  # learned absolute positions
        self.drop = nn.Dropout(cfg.dropout)
        self.h = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.apply(self._init_weights)
        # GPT-2 §2.3: scale the residual projections by 1/√N, N = residual layers (2 per block)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_parameters(self) -> int:
        """Every parameter counted once, embeddings included (the head is tied to wte)."""
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        input_ids: torch.Tensor,  # (B, S) int64
        attention_mask: torch.Tensor | None = None,  # (B, T) 1 = attend, 0 = padding
        position_ids: torch.Tensor | None = None,  # (B, S); default P … P+S-1
        past_key_values: list[KV] | None = None,  # per layer, each (B, nh, P, hs)
    ) -> tuple[torch.Tensor, list[KV]]:
        B, S = input_ids.shape
        P = past_key_values[0][0].size(2) if past_key_values is not None else 0
        if position_ids is None:
            position_ids = torch.arange(P, P + S, device=input_ids.device)[None]  # (1, S)
        allowed = attention_allowed(S, P + S, attention_mask, input_ids.device)  # (B|1, 1, S, T)
        x = self.drop(self.wte(input_ids) + self.wpe(position_ids))  # (B, S, C)
        presents: list[KV] = []
        for i, block in enumerate(self.h):
            x, present = block(x, allowed, past_key_values[i] if past_key_values is not None else None)
            presents.append(present)
        x = self.ln_f(x)  # (B, S, C)
        logits = F.linear(x, self.wte.weight)  # (B, S, V): tied head, x @ wteᵀ
        return logits, presents

    def loss(self, input_ids: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean next-token cross-entropy over (B, S) targets."""
        logits, _ = self(input_ids)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))

    @torch.no_grad()
    def generate(self, ids: list[int], max_new_tokens: int, temperature: float = 0.0,
                 top_k: int | None = None, eot_id: int | None = None, generator: torch.Generator | None = None) -> list[int]:
        """Decode with the KV cache: one prefill, then one token per step. temperature 0 = greedy."""
        ids = ids[-self.cfg.context_length:]
        logits, past = self(torch.tensor([ids]))
        out: list[int] = []
        for _ in range(max_new_tokens):
            last = logits[0, -1]  # (V,)
            if temperature <= 0:
                nxt = int(last.argmax())
            else:
                last = last / temperature
                if top_k:
                    kth = torch.topk(last, top_k).values[-1]
                    last = last.masked_fill(last < kth, float("-inf"))
                nxt = int(torch.multinomial(F.softmax(last, dim=-1), 1, generator=generator))
            if nxt == eot_id:
                break
            out.append(nxt)
            if len(ids) + len(out) >= self.cfg.context_length:
                break
            logits, past = self(torch.tensor([[nxt]]), past_key_values=past)
        return out
