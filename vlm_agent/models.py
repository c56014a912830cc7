"""`vlm-agent models list|pull`: checkpoints on disk, and downloads where a network exists."""
from __future__ import annotations

import json
import os
from pathlib import Path

from .core.backends.checkpoints import KNOWN, MODELS_DIR, pulled_folder


def list_models(models_dir: Path = MODELS_DIR) -> list[dict]:
    """Checkpoint folders (with config.json) under models_dir and in the Hugging Face cache."""
    roots = [models_dir, Path(os.environ.get("HF_HUB_CACHE", "~/.cache/huggingface/hub")).expanduser()]
    found = []
    for root in roots:
        for config in sorted(root.glob("**/config.json")) if root.exists() else []:
            folder = config.parent
            try:
                model_type = json.loads(config.read_text()).get("model_type", "?")
            except (OSError, json.JSONDecodeError):
                model_type = "unreadable config.json"
            size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
            found.append({"path": str(folder), "model_type": model_type, "size_mb": round(size / 2**20, 1)})
    return found


def pull(name: str, models_dir: Path = MODELS_DIR) -> Path:
    """Download a checkpoint (short name or repository id) with a progress bar."""
    from huggingface_hub import snapshot_download
    return Path(snapshot_download(repo_id=KNOWN.get(name, name), local_dir=str(pulled_folder(name, models_dir))))
