#!/usr/bin/env python3
"""Reference external trainer for attune-worker (docs/trainer-contract.md): LoRA with PEFT on a GPU.

    attune-worker --trainer "command:python3 scripts/peft_trainer.py" ...

Trains slice by slice (cumulative SISA stages), writes a checkpoint directory after every slice
(adapter + optimizer state + counters) before reporting it, resumes from --resume-from, and prints
the contract's JSON lines. Needs: torch, transformers, peft, safetensors. Not run in CI.
"""
import argparse
import json
import math
import os
import random
import shutil
import sys

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def windows(ids, seq_len):
    """Cut a token stream into (input, target) windows of seq_len; the tail is padded and masked."""
    out, start = [], 0
    while start + 1 < len(ids):
        chunk = ids[start:start + seq_len + 1]
        real = len(chunk) - 1
        chunk = chunk + [0] * (seq_len + 1 - len(chunk))
        out.append((chunk, real))
        start += seq_len
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base-model", required=True)
    p.add_argument("--shard", required=True)
    p.add_argument("--slices", type=int, required=True)
    p.add_argument("--hyperparameters", required=True)
    p.add_argument("--output-dir", required=True)
    p.add_argument("--resume-from")
    a = p.parse_args()

    hp = json.load(open(a.hyperparameters))
    records = [json.loads(line) for line in open(a.shard) if line.strip()]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(hp.get("seed", 0))

    tok = AutoTokenizer.from_pretrained(a.base_model)
    base = AutoModelForCausalLM.from_pretrained(a.base_model, torch_dtype=torch.bfloat16 if device == "cuda" else torch.float32)
    state = {"slices_done": 0, "step": 0, "tokens": 0, "flops": 0.0, "loss": None}
    if a.resume_from:
        model = PeftModel.from_pretrained(base, a.resume_from, is_trainable=True)
        state = json.load(open(os.path.join(a.resume_from, "state.json")))
    else:
        cfg = LoraConfig(r=hp["lora_rank"], lora_alpha=hp["lora_alpha"], target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")
        model = get_peft_model(base, cfg)
    model.to(device).train()
    opt = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=hp["learning_rate"], weight_decay=hp.get("weight_decay", 0.0))
    if a.resume_from and os.path.exists(os.path.join(a.resume_from, "optimizer.pt")):
        opt.load_state_dict(torch.load(os.path.join(a.resume_from, "optimizer.pt"), map_location=device))
    n_params = sum(q.numel() for q in model.parameters())
    seq, bs = hp["seq_len"], hp["batch_size"]
    cap = hp.get("max_steps_per_slice") or math.inf

    encoded = [(r["slice"], (tok(r["text"], add_special_tokens=True)["input_ids"])) for r in records]
    for k in range(state["slices_done"], a.slices):
        stream = [t for s, ids in encoded if s <= k for t in ids]
        wins = windows(stream, seq)
        steps = 0
        for epoch in range(hp["epochs"]):
            order = list(range(len(wins)))
            random.Random(f"{hp.get('seed', 0)}-{k}-{epoch}").shuffle(order)
            for i in range(0, len(order), bs):
                if steps >= cap:
                    break
                batch = [wins[j] for j in order[i:i + bs]]
                x = torch.tensor([w[:-1] for w, _ in batch], device=device)
                y = torch.tensor([w[1:] for w, _ in batch], device=device)
                mask = torch.tensor([[1 if t < real else 0 for t in range(seq)] for _, real in batch], device=device)
                logits = model(input_ids=x).logits.float()
                loss = (torch.nn.functional.cross_entropy(logits.transpose(1, 2), y, reduction="none") * mask).sum() / mask.sum().clamp(min=1)
                opt.zero_grad()
                loss.backward()
                opt.step()
                t = len(batch) * seq
                steps += 1
                state["step"] += 1
                state["tokens"] += t
                state["flops"] += 6.0 * n_params * t
                state["loss"] = float(loss)
                emit("step", slice=k, step=state["step"], loss=state["loss"], tokens=state["tokens"], flops=state["flops"])
            if steps >= cap:
                break
        state["slices_done"] = k + 1
        final = os.path.join(a.output_dir, "checkpoints", f"slice-{k:04d}")
        tmp = final + ".partial"
        shutil.rmtree(tmp, ignore_errors=True)
        model.save_pretrained(tmp)
        torch.save(opt.state_dict(), os.path.join(tmp, "optimizer.pt"))
        json.dump(state, open(os.path.join(tmp, "state.json"), "w"))
        shutil.rmtree(final, ignore_errors=True)
        os.rename(tmp, final)
        emit("checkpoint", slice=k, dir=final, step=state["step"], loss=state["loss"], tokens=state["tokens"], flops=state["flops"])

    model.save_pretrained(a.output_dir)
    emit("done", files=["adapter_model.safetensors", "adapter_config.json"], steps=state["step"], loss=state["loss"],
         tokens=state["tokens"], flops=state["flops"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
