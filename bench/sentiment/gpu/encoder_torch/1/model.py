"""Triton Python backend: the fp16 encoder on the GPU with PyTorch (bench/sentiment/gpu proxy).

Merges the dynamic batch's requests, trims the common right padding (the tokenizer pads to 64),
runs one fp16 forward pass on the instance's GPU and splits the probabilities back.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import torch
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        here = Path(args["model_repository"]) / args["model_version"]
        sys.path.insert(0, os.environ["MOODLINE_GPU_BENCH_PATH"])
        from onnx_weights import build_model

        self.device = os.environ.get("MOODLINE_TORCH_DEVICE") or (
            f"cuda:{args['model_instance_device_id']}"
        )
        onnx_file = cfg["parameters"]["onnx_file"]["string_value"]
        dtype = os.environ.get("MOODLINE_TORCH_DTYPE", "float16")
        self.model = build_model(str(here / onnx_file), self.device, dtype)

    def execute(self, requests):
        ids, am, sizes = [], [], []
        for r in requests:
            i = pb_utils.get_input_tensor_by_name(r, "input_ids").as_numpy()
            ids.append(i)
            am.append(pb_utils.get_input_tensor_by_name(r, "attention_mask").as_numpy())
            sizes.append(len(i))
        ids, am = np.concatenate(ids), np.concatenate(am)
        width = max(1, int(am.sum(1).max()))
        with torch.inference_mode():
            t_ids = torch.from_numpy(ids[:, :width]).to(self.device, non_blocking=True)
            t_am = torch.from_numpy(am[:, :width]).to(self.device, non_blocking=True)
            s, e, _ = self.model(t_ids, t_am)
            s = torch.softmax(s.float(), -1).cpu().numpy()
            e = torch.sigmoid(e.float()).cpu().numpy()
        out, start = [], 0
        for n in sizes:
            out.append(
                pb_utils.InferenceResponse(
                    output_tensors=[
                        pb_utils.Tensor("sentiment_probs", s[start : start + n]),
                        pb_utils.Tensor("emotion_probs", e[start : start + n]),
                    ]
                )
            )
            start += n
        return out
