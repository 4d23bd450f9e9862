# ruff: noqa: E501
"""Render the model card's metric tables (markdown) from build/eval_report.json.

python -m moodline_ml.report build/eval_report.json [build/served_report_int8.json] > build/tables.md
"""

from __future__ import annotations

import json
import sys

SENT = ["Happy", "Neutral", "Frustrated"]


def main():
    rep = json.load(open(sys.argv[1]))
    variants = [k for k in rep if isinstance(rep[k], dict) and "customer_eval" in rep[k]]
    print("### Sentiment (3-class) macro-F1\n")
    sets = ["goemotions_dev", "customer_holdout", "customer_eval"]
    heads = ["GoEmotions dev", "customer holdout (train split)", "customer eval (held out)"]
    for extra in sorted(
        k for k in rep[variants[0]] if k.startswith("customer_eval") and k != "customer_eval"
    ):
        sets.append(extra)
        heads.append(f"customer {extra[9:]} (held out)")
    print("| variant | size MB | " + " | ".join(heads) + " |")
    print("|---|---|" + "---|" * len(heads))
    for v in variants:
        r = rep[v]
        f1s = " | ".join(f"{r[s]['sentiment']['macro_f1']:.4f}" for s in sets)
        print(f"| {v} | {r['size_mb']} | {f1s} |")
    for v in variants:
        for s in [s for s in sets if s != "customer_holdout"]:
            r = rep[v][s]["sentiment"]
            print(
                f"\n### {v} — {s}: per class (accuracy {r['accuracy']:.4f}, ECE {r['ece']:.4f})\n"
            )
            print("| class | precision | recall | F1 | support |\n|---|---|---|---|---|")
            for c in SENT:
                p = r["per_class"][c]
                print(
                    f"| {c} | {p['precision']:.3f} | {p['recall']:.3f} | {p['f1']:.3f} | {p['support']} |"
                )
            print(
                "\nconfusion matrix (rows = gold, cols = predicted; Happy, Neutral, Frustrated):\n"
            )
            print("| gold \\ pred | Happy | Neutral | Frustrated |\n|---|---|---|---|")
            for c, row in zip(SENT, r["confusion"], strict=True):
                print(f"| {c} | " + " | ".join(map(str, row)) + " |")
            e = rep[v][s]["emotions"]
            print(
                "\nemotions (threshold 0.5):\n\n| emotion | precision | recall | F1 | support |\n|---|---|---|---|---|"
            )
            for k, p in e.items():
                print(
                    f"| {k} | {p['precision']:.3f} | {p['recall']:.3f} | {p['f1']:.3f} | {p['support']} |"
                )
    print("\n### Agreement between variants\n")
    print(
        "| variant | vs | set | label agreement | max abs prob diff | emotion decision agreement |\n|---|---|---|---|---|---|"
    )
    for v in variants:
        for k, agg in rep[v].items():
            if k.startswith("agreement_vs_"):
                for s, a in agg.items():
                    print(
                        f"| {v} | {k[13:]} | {s} | {a['label_agreement']:.4f} | {a['max_abs_prob_diff']:.4f} | "
                        f"{a['emotion_decision_agreement']:.4f} |"
                    )
    print("\n### Throughput (onnxruntime, CPU, this 2-core shared machine)\n")
    print("| variant | batch | padded seq len | msgs/s | ms/batch |\n|---|---|---|---|---|")
    for v in variants:
        for t in rep[v]["throughput"]:
            print(
                f"| {v} | {t['batch']} | {t['seq_len']} | {t['msgs_per_s']} | {t['ms_per_batch']} |"
            )
    for key in sorted(k for k in rep if k.startswith("errors_")):
        s, errs = key[7:], rep[key]
        print(f"\n### Misclassified {s} messages ({variants[0]}, {len(errs)})\n")
        print("| text | gold | predicted (p) |\n|---|---|---|")
        for e in errs:
            print(f"| {e['text'].replace('|', '/')} | {e['gold']} | {e['pred']} ({e['p']}) |")


if __name__ == "__main__":
    main()
