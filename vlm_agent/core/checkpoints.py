"""Loading transformers checkpoints from local folders only (no hub downloads at run time)."""
from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError


def require_checkpoint(model_path: str, what: str, how_to_get: str) -> str:
    """The folder, if it holds a checkpoint; else one clear error that says how to get one."""
    if not model_path or not Path(model_path, "config.json").exists():
        raise InputError(f"no {what} weights in '{model_path}': {how_to_get}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return model_path


def load_pretrained(model_class, model_path: str, device: str = "cpu"):
    """A model in inference mode from a local folder."""
    return model_class.from_pretrained(model_path, local_files_only=True).to(device).eval()
