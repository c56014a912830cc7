"""Loading transformers checkpoints from local disk only (no hub downloads at run time).

A `model_path` is a checkpoint folder, a short name or repository id that `vlm-agent models pull`
put under the models folder, or a repository id already in the Hugging Face cache.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError

MODELS_DIR = Path(os.environ.get("VLM_AGENT_MODELS", "~/.cache/vlm_agent/models")).expanduser()
KNOWN = {  # short name -> Hugging Face repository
    "owlv2": "google/owlv2-base-patch16-ensemble", "owlvit": "google/owlvit-base-patch32",
    "grounding-dino": "IDEA-Research/grounding-dino-tiny", "florence-2": "florence-community/Florence-2-base",
    "qwen2.5-vl": "Qwen/Qwen2.5-VL-3B-Instruct", "llama-guard-3": "meta-llama/Llama-Guard-3-1B",
    "shieldgemma-2": "google/shieldgemma-2-4b-it",
}


def pulled_folder(name: str, models_dir: Path | None = None) -> Path:
    """Where `vlm-agent models pull NAME` puts a checkpoint."""
    return (models_dir or MODELS_DIR) / KNOWN.get(name, name).replace("/", "--")


def require_checkpoint(model_path: str, what: str, how_to_get: str) -> str:
    """The checkpoint folder model_path names; else one clear error that says how to get one."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    for folder in _candidate_folders(model_path):
        if (folder / "config.json").exists():
            return str(folder)
    raise InputError(f"no {what} weights in '{model_path}' (a checkpoint folder, a name `vlm-agent models pull` "
                     f"fetched, or a repository id in the Hugging Face cache): {how_to_get}")


def _candidate_folders(model_path: str):
    """Where model_path may point, cheapest look first (the hub cache is asked only if needed)."""
    if not model_path:
        return
    yield Path(model_path).expanduser()
    if not Path(model_path).is_absolute():
        yield pulled_folder(model_path)
        snapshot = _hub_cache_snapshot(KNOWN.get(model_path, model_path))
        if snapshot:
            yield Path(snapshot)


def _hub_cache_snapshot(repo_id: str) -> str | None:
    if repo_id.count("/") != 1:
        return None
    try:
        from huggingface_hub import snapshot_download
        return snapshot_download(repo_id=repo_id, local_files_only=True)
    except Exception:  # not cached (or no huggingface_hub): the caller says how to get it
        return None


def load_pretrained(model_class, model_path: str, device: str = "cpu"):
    """A model in inference mode from a local folder."""
    return model_class.from_pretrained(model_path, local_files_only=True).to(device).eval()


def free_accelerator_memory() -> None:
    """Return cached GPU memory after a model is dropped (only where torch was already imported)."""
    import gc
    import sys
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
