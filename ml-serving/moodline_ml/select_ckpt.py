"""Pick the training run with the best selection score (GoEmotions dev + customer holdout).

python -m moodline_ml.select_ckpt build/train build/train2   -> prints the winning run dir
"""

import json
import sys
from pathlib import Path


def main():
    best, best_dir = -1.0, None
    for d in sys.argv[1:]:
        f = Path(d) / "best.json"
        if f.exists():
            s = json.loads(f.read_text())["selection_score"]
            print(f"{d}: selection {s:.4f}", file=sys.stderr)
            if s > best:
                best, best_dir = s, d
    if best_dir is None:
        sys.exit("no run found")
    print(best_dir)


if __name__ == "__main__":
    main()
