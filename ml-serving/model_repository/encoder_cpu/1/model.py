"""Triton Python-backend encoder for CPU: ONNX Runtime over the int8 MiniLM graph.

All requests of a dynamic batch are concatenated and grouped by length (`length_groups.py`
beside this file, a copy of `moodline_ml/length_groups.py`): ONNX Runtime runs once per group,
trimmed to the group's longest row (the tokenizer pads to a fixed 64), so a sentence is not
computed at the length of the long texts batched with it; the results are put back in row
order and split per request.
"""

import json
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils
from length_groups import length_groups


class TritonPythonModel:
    def initialize(self, args):
        cfg = json.loads(args["model_config"])
        params = {k: v["string_value"] for k, v in cfg.get("parameters", {}).items()}
        path = (
            Path(args["model_repository"])
            / args["model_version"]
            / params.get("onnx_file", "model_int8.onnx")
        )
        so = ort.SessionOptions()
        so.intra_op_num_threads = int(
            os.environ.get("MOODLINE_ORT_THREADS", params.get("intra_op_threads", "0"))
        )
        so.inter_op_num_threads = 1
        # ONNX Runtime's pool threads busy-wait for work by default. Next to other busy
        # processes (the service, PostgreSQL on the same cores) a spinning thread burns CPU
        # that the thread it waits for needs: the benchmark measured the model's CPU per
        # message rising from ~2.5 ms alone to 3.1+ ms inside the pipeline.
        spin = os.environ.get("MOODLINE_ORT_SPIN", params.get("allow_spinning", "1"))
        so.add_session_config_entry("session.intra_op.allow_spinning", spin)
        so.add_session_config_entry("session.inter_op.allow_spinning", spin)
        self.sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

    def execute(self, requests):
        ids, am, sizes = [], [], []
        for req in requests:
            i = pb_utils.get_input_tensor_by_name(req, "input_ids").as_numpy()
            m = pb_utils.get_input_tensor_by_name(req, "attention_mask").as_numpy()
            ids.append(i)
            am.append(m)
            sizes.append(len(i))
        ids, am = np.concatenate(ids), np.concatenate(am)
        lengths = am.sum(1)
        s = np.empty((len(ids), 3), dtype=np.float32)
        e = np.empty((len(ids), 4), dtype=np.float32)
        for rows in length_groups(lengths):
            L = max(1, int(lengths[rows].max()))
            s[rows], e[rows] = self.sess.run(
                None, {"input_ids": ids[rows, :L], "attention_mask": am[rows, :L]}
            )
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
