"""Fine-tune MiniLM-L6 multi-task on GoEmotions + customer-domain data.

Selection uses GoEmotions dev (3-class macro-F1) + the customer TRAIN holdout; the customer
eval set is only reported (never used for selection or thresholds).

Runs on CUDA (bf16 autocast) when a GPU is there, else on the CPU. Two options make the
distillation recipe (see README "Recipe"):
  --fold K/N      train on everything except fold K of N (a fixed split of the training rows)
                  and write OUT/oof.npz: this model's probabilities for the rows it did not see
  --teacher NPZ   soft targets (moodline_ml.ensemble merges the N folds' oof.npz): every loss
                  mixes the hard label with the teacher's probabilities, weight --distill-alpha
"""

from __future__ import annotations

import argparse
import json
import random
import time
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

from . import leakage, truncation
from .data import DATA_DIR, Example, load_customer, load_goemotions, split_customer_train
from .metrics import emotion_report, sentiment_report
from .model import MoodlineModel, base_model_dir
from .truncation import untruncated


def get_tokenizer() -> Tokenizer:
    """The base model's WordPiece tokenizer, truncation and padding off (encode() does both)."""
    return untruncated(Tokenizer.from_file(str(Path(base_model_dir()) / "tokenizer.json")))


def save_tokenizer(tok: Tokenizer, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(str(folder / "tokenizer.json"))


def model_device(model) -> torch.device:
    return next(model.parameters()).device


def autocast(device: torch.device):
    """bf16 autocast on CUDA; a no-op context on the CPU (where training stays fp32)."""
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")


def encode(tok, texts, max_len, device=None):
    """Head + tail truncated ids (moodline_ml.truncation), exactly as evaluation and Triton."""
    ids, am = truncation.encode(tok, texts, max_len)
    ids, am = torch.from_numpy(ids), torch.from_numpy(am)
    if device is not None and device.type != "cpu":
        ids, am = ids.to(device, non_blocking=True), am.to(device, non_blocking=True)
    return ids, am


@torch.no_grad()
def predict(model, tok, texts, max_len=64, bs=128, goemo=False):
    """Probabilities in input order: sentiment softmax, emotion sigmoid (+ 28 GoEmotions ones)."""
    model.eval()
    dev = model_device(model)
    sp = []
    order = np.argsort([len(t) for t in texts])  # length-sorted for speed
    for i in range(0, len(texts), bs):
        idx = order[i : i + bs]
        ids, am = encode(tok, [texts[j] for j in idx], max_len, dev)
        with autocast(dev):
            s, e, g = model(ids, am)
        sp.append(
            (
                idx,
                torch.softmax(s.float(), -1).cpu().numpy(),
                torch.sigmoid(e.float()).cpu().numpy(),
                torch.sigmoid(g.float()).cpu().numpy(),
            )
        )
    S = np.zeros((len(texts), 3), np.float32)
    E = np.zeros((len(texts), 4), np.float32)
    G = np.zeros((len(texts), model.goemo.out_features), np.float32)
    for idx, s, e, g in sp:
        S[idx], E[idx], G[idx] = s, e, g
    return (S, E, G) if goemo else (S, E)


def evaluate_sets(model, tok, sets: dict[str, list[Example]], max_len=64) -> dict:
    out = {}
    for name, rows in sets.items():
        S, E = predict(model, tok, [r.text for r in rows], max_len)
        rep = {"sentiment": sentiment_report([r.sentiment for r in rows], S)}
        if name.startswith("customer"):
            rep["emotions"] = emotion_report(np.array([r.emotions for r in rows]), E)
        out[name] = rep
    model.train()
    return out


def batches(rows: list[Example], bs: int, rng: random.Random, bucket: int = 50):
    """Shuffled, length-bucketed batches (less padding -> ~1.5x faster on CPU)."""
    rows = rows[:]
    rng.shuffle(rows)
    out = []
    for c in range(0, len(rows), bs * bucket):
        chunk = sorted(rows[c : c + bs * bucket], key=lambda r: len(r.text))
        out += [chunk[i : i + bs] for i in range(0, len(chunk) - bs + 1, bs)]
    rng.shuffle(out)
    yield from out


class Teacher:
    """Soft targets by text (moodline_ml.ensemble's npz: texts, sentiment, emotions, goemo)."""

    def __init__(self, path: str, alpha: float):
        z = np.load(path, allow_pickle=False)
        self.index = {t: i for i, t in enumerate(z["texts"].tolist())}
        self.sent, self.emo, self.goemo = z["sentiment"], z["emotions"], z["goemo"]
        self.alpha = alpha

    def rows(self, batch: list[Example]) -> list[int]:
        return [self.index.get(r.text, -1) for r in batch]


def loss_fn(
    model,
    tok,
    batch: list[Example],
    max_len,
    goemo_w=0.5,
    cust_sent_w=1.0,
    teacher: Teacher | None = None,
    label_smoothing: float = 0.0,
):
    dev = model_device(model)
    ids, am = encode(tok, [r.text for r in batch], max_len, dev)
    with autocast(dev):
        s, e, g = model(ids, am)
    s, e, g = s.float(), e.float(), g.float()
    n_cls = s.shape[-1]
    y_s = F.one_hot(torch.tensor([r.sentiment for r in batch]), n_cls).float()
    if label_smoothing:
        y_s = y_s * (1 - label_smoothing) + label_smoothing / n_cls
    y_e = torch.tensor([r.emotions for r in batch])
    gm = [i for i, r in enumerate(batch) if r.goemo is not None]
    y_g = torch.tensor([batch[i].goemo for i in gm]) if gm else None
    if teacher is not None:  # mix the hard labels with the teacher's probabilities
        a, t_idx = teacher.alpha, teacher.rows(batch)
        has = torch.tensor([i >= 0 for i in t_idx]).unsqueeze(-1)
        pick = [max(i, 0) for i in t_idx]
        t_s, t_e = torch.from_numpy(teacher.sent[pick]), torch.from_numpy(teacher.emo[pick])
        y_s = torch.where(has, (1 - a) * y_s + a * t_s, y_s)
        y_e = torch.where(has, (1 - a) * y_e + a * t_e, y_e)
        if gm:
            t_g = torch.from_numpy(teacher.goemo[[pick[i] for i in gm]])
            y_g = torch.where(has[gm], (1 - a) * y_g + a * t_g, y_g)
    y_s, y_e = y_s.to(dev), y_e.to(dev)
    sw = torch.tensor([cust_sent_w if r.goemo is None else 1.0 for r in batch], device=dev)
    l_sent = (-(y_s * F.log_softmax(s, -1)).sum(-1) * sw).sum() / sw.sum()
    we = torch.tensor([r.emo_weight for r in batch], device=dev)
    l_emo = (
        F.binary_cross_entropy_with_logits(e, y_e, reduction="none") * we
    ).sum() / we.sum().clamp(min=1)
    l_go = torch.tensor(0.0, device=dev)
    if gm:
        l_go = F.binary_cross_entropy_with_logits(g[gm], y_g.to(dev))
    return l_sent + l_emo + goemo_w * l_go


def fold_of(text: str, n: int) -> int:
    """Stable fold of a training row (by its text, so repeats of a row share one fold)."""
    return zlib.crc32(text.encode("utf-8")) % n


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build/train")
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--goemo-limit", type=int, default=0, help="subset of GoEmotions train (0=all)")
    ap.add_argument("--dev-limit", type=int, default=0)
    ap.add_argument("--customer-repeat", type=int, default=10)
    ap.add_argument("--cust-sent-weight", type=float, default=1.0)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--evals-per-epoch", type=int, default=2)
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument(
        "--stop-epoch",
        type=float,
        default=0.0,
        help="stop (with a final eval) at this epoch while keeping the --epochs LR schedule",
    )
    ap.add_argument("--goemo-weight", type=float, default=0.5)
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--fold", default="", help="K/N: leave fold K of N out, write OUT/oof.npz")
    ap.add_argument("--teacher", default="", help="soft targets npz (moodline_ml.ensemble)")
    ap.add_argument("--distill-alpha", type=float, default=0.5)
    ap.add_argument("--device", default="auto", help="auto (cuda if available), cuda or cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--init", default="", help="start from this checkpoint (stage-2 continuation)")
    ap.add_argument("--no-extra", action="store_true", help="ignore data/customer_train_extra*.tsv")
    ap.add_argument(
        "--keep-ckpts",
        action="store_true",
        help="also save every evaluated checkpoint (for checkpoint averaging, moodline_ml.average)",
    )
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    log = open(out / "metrics.jsonl", "a")

    go_train = load_goemotions("train")
    if a.goemo_limit:
        go_train = random.Random(0).sample(go_train, a.goemo_limit)
    go_dev = load_goemotions("dev")
    if a.dev_limit:
        go_dev = random.Random(0).sample(go_dev, a.dev_limit)
    cust_train, cust_hold = split_customer_train()
    if not a.no_extra:  # customer_train_extra*.tsv: all training, never holdout
        for extra in sorted(DATA_DIR.glob("customer_train_extra*.tsv")):
            cust_train = cust_train + load_customer(extra.stem)
    cust_eval = load_customer("customer_eval")  # REPORT ONLY
    # No training row may be a held-out message or a close rewording of one (leakage.py).
    held_out = [t for name in leakage.held_out_names() for t in leakage.texts(name)]
    cust_train, dropped = leakage.drop_near_duplicates(cust_train, held_out)
    print(f"dropped {len(dropped)} customer training rows too close to a held-out message")
    left_out: list[Example] = []
    if a.fold:
        k, n = (int(x) for x in a.fold.split("/"))
        left_out = [r for r in go_train + cust_train if fold_of(r.text, n) == k]
        go_train = [r for r in go_train if fold_of(r.text, n) != k]
        cust_train = [r for r in cust_train if fold_of(r.text, n) != k]
    train_rows = go_train + cust_train * a.customer_repeat
    print(
        f"train rows: goemotions={len(go_train)} customer={len(cust_train)}x{a.customer_repeat} "
        f"holdout={len(cust_hold)} dev={len(go_dev)}",
        flush=True,
    )

    tok = get_tokenizer()
    model = MoodlineModel()
    if a.init:
        model.load_state_dict(torch.load(a.init, map_location="cpu"))
        print(f"initialised from {a.init}", flush=True)
    device = torch.device(
        ("cuda" if torch.cuda.is_available() else "cpu") if a.device == "auto" else a.device
    )
    model.to(device)
    teacher = Teacher(a.teacher, a.distill_alpha) if a.teacher else None
    print(f"device {device}; teacher {a.teacher or '-'} alpha {a.distill_alpha}", flush=True)
    model.train()
    steps_per_epoch = len(train_rows) // a.batch_size
    total = int(steps_per_epoch * a.epochs)
    if a.max_steps:
        total = min(total, a.max_steps)
    stop_at = int(steps_per_epoch * a.stop_epoch) if a.stop_epoch else total
    eval_every = max(1, steps_per_epoch // a.evals_per_epoch)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    warm = int(0.06 * total)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda s: (
            min(1.0, (s + 1) / max(1, warm)) * max(0.0, (total - s) / max(1, total - warm))
            if s >= warm
            else (s + 1) / max(1, warm)
        ),
    )

    best, step, t0, run_loss = -1.0, 0, time.time(), 0.0
    sets = {"goemotions_dev": go_dev, "customer_holdout": cust_hold, "customer_eval": cust_eval}

    def cpu_state():
        return {k: v.detach().cpu() for k, v in model.state_dict().items()}

    def do_eval():
        nonlocal best
        rep = evaluate_sets(model, tok, sets, a.max_len)
        sel = (
            0.5 * rep["goemotions_dev"]["sentiment"]["macro_f1"]
            + 0.5 * rep["customer_holdout"]["sentiment"]["macro_f1"]
        )
        rec = {
            "step": step,
            "epoch": round(step / steps_per_epoch, 3),
            "elapsed_s": round(time.time() - t0),
            "selection_score": sel,
            **{k: v for k, v in rep.items()},
        }
        log.write(json.dumps(rec) + "\n")
        log.flush()
        summ = {k: round(v["sentiment"]["macro_f1"], 4) for k, v in rep.items()}
        emo_eval = rep["customer_eval"]["emotions"]
        print(
            f"[eval] step {step} ep {rec['epoch']} sel {sel:.4f} {summ} "
            f"emo_eval={ {k: round(v['f1'], 3) for k, v in emo_eval.items()} }",
            flush=True,
        )
        if a.keep_ckpts:
            torch.save(cpu_state(), out / f"ckpt_step{step:06d}.pt")
        if sel > best:
            best = sel
            torch.save(cpu_state(), out / "best.pt")
            (out / "best.json").write_text(json.dumps(rec, indent=1))
            print(f"[eval] new best {sel:.4f} saved", flush=True)

    done = False
    while not done:
        for batch in batches(train_rows, a.batch_size, rng):
            loss = loss_fn(
                model,
                tok,
                batch,
                a.max_len,
                goemo_w=a.goemo_weight,
                cust_sent_w=a.cust_sent_weight,
                teacher=teacher,
                label_smoothing=a.label_smoothing,
            )
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            run_loss = 0.98 * run_loss + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 50 == 0:
                threads_file = out / "threads"  # change intra-op threads of a running job
                if threads_file.exists():
                    n = int(threads_file.read_text().strip() or a.threads)
                    if n != torch.get_num_threads():
                        torch.set_num_threads(n)
                        print(f"threads -> {n}", flush=True)
                el = time.time() - t0
                print(
                    f"step {step}/{total} loss {run_loss:.4f} lr {sched.get_last_lr()[0]:.2e} "
                    f"{el:.0f}s eta {el / step * (total - step):.0f}s",
                    flush=True,
                )
            # (no in-loop eval within half an interval of the end: the final eval follows)
            if step % eval_every == 0 and step + eval_every // 2 <= min(total, stop_at):
                do_eval()
            if step >= min(total, stop_at):
                done = True
                break
    do_eval()
    if left_out:  # the final model's probabilities for the rows it never saw
        S, E, G = predict(model, tok, [r.text for r in left_out], a.max_len, goemo=True)
        np.savez(
            out / "oof.npz",
            texts=np.array([r.text for r in left_out]),
            sentiment=S,
            emotions=E,
            goemo=G,
        )
        print(f"oof: {len(left_out)} rows -> {out / 'oof.npz'}", flush=True)
    save_tokenizer(tok, out / "tokenizer")
    print(f"done; best selection score {best:.4f}", flush=True)


if __name__ == "__main__":
    main()
