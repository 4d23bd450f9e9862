"""Triton Python-backend tokenizer.

TEXT (BYTES [B,1]) -> INPUT_IDS, ATTENTION_MASK (INT64 [B,64]).
A text longer than 64 tokens keeps its first 16 and last 48 (head + tail, as in training):
`truncation.py` beside this file is a copy of `moodline_ml/truncation.py`, put there by
`moodline_ml.build_repository`.
"""

import sys
from pathlib import Path

import triton_python_backend_utils as pb_utils
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from truncation import MAX_LEN, encode, untruncated


class TritonPythonModel:
    def initialize(self, args):
        path = Path(args["model_repository"]) / args["model_version"] / "tokenizer.json"
        self.tok = untruncated(Tokenizer.from_file(str(path)))

    def execute(self, requests):
        # Tokenise all requests of the dynamic batch in one Rust call, then split back.
        texts, sizes = [], []
        for req in requests:
            arr = pb_utils.get_input_tensor_by_name(req, "TEXT").as_numpy().reshape(-1)
            sizes.append(len(arr))
            texts += [t.decode("utf-8", "replace") if isinstance(t, bytes) else str(t) for t in arr]
        ids, am = encode(self.tok, texts, MAX_LEN, pad_to=MAX_LEN)
        out, start = [], 0
        for n in sizes:
            out.append(
                pb_utils.InferenceResponse(
                    output_tensors=[
                        pb_utils.Tensor("INPUT_IDS", ids[start : start + n]),
                        pb_utils.Tensor("ATTENTION_MASK", am[start : start + n]),
                    ]
                )
            )
            start += n
        return out
