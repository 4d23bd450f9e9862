"""Triton Python-backend tokenizer.

TEXT (BYTES [B,1]) -> INPUT_IDS, ATTENTION_MASK (INT64 [B,64]).
"""

from pathlib import Path

import numpy as np
import triton_python_backend_utils as pb_utils
from tokenizers import Tokenizer

MAX_LEN = 64


class TritonPythonModel:
    def initialize(self, args):
        path = Path(args["model_repository"]) / args["model_version"] / "tokenizer.json"
        self.tok = Tokenizer.from_file(str(path))
        self.tok.enable_truncation(max_length=MAX_LEN)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]", length=MAX_LEN)

    def execute(self, requests):
        # Tokenise all requests of the dynamic batch in one Rust call, then split back.
        texts, sizes = [], []
        for req in requests:
            arr = pb_utils.get_input_tensor_by_name(req, "TEXT").as_numpy().reshape(-1)
            sizes.append(len(arr))
            texts += [t.decode("utf-8", "replace") if isinstance(t, bytes) else str(t) for t in arr]
        enc = self.tok.encode_batch(texts) if texts else []
        ids = np.array([e.ids for e in enc], dtype=np.int64).reshape(-1, MAX_LEN)
        am = np.array([e.attention_mask for e in enc], dtype=np.int64).reshape(-1, MAX_LEN)
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
