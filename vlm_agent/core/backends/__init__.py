"""Grounding backends: propose scene objects and score phrases against them."""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

from ..settings.schema import setting
from .base import GroundingBackend

BACKEND_CLASSES = {  # name -> (module in this package, class)
    "rgbd_geometry": ("rgbd_geometry", "RGBDGeometryBackend"), "owl": ("owl", "OwlBackend"),
    "grounding_dino": ("grounding_dino", "GroundingDinoBackend"), "florence2": ("florence2", "Florence2Backend"),
    "qwen2_5_vl": ("qwen2_5_vl", "Qwen25VLBackend"), "remote": ("remote", "RemoteVLMBackend"),
}
BACKENDS = tuple(BACKEND_CLASSES)


@dataclass(frozen=True)
class BackendSettings:
    """The backend settings: grounding node parameters, launch arguments and `vlm-agent ground` flags."""
    model_path: str = setting("", "Model backend weights: checkpoint folder, name `vlm-agent models pull` fetched, "
                              "or repository id in the Hugging Face cache.", launch="model_path")
    device: str = setting("cpu", "PyTorch device of the model backend: cpu, cuda, cuda:1.", launch="device")
    runtime: str = setting("torch", "owl runtime: torch, onnx (ONNX Runtime), tensorrt or triton.",
                           choices=("torch", "onnx", "tensorrt", "triton"), launch="runtime")
    onnx_dir: str = setting("", "Folder with the exported ONNX encoders (runtime onnx or tensorrt).",
                            launch="onnx_dir")
    triton_url: str = setting("", "Triton Inference Server serving the exported encoders (runtime triton), "
                              "e.g. http://gpu-host:8000.", launch="triton_url")
    remote_url: str = setting("", "OpenAI-compatible server for backend remote, e.g. http://gpu-host:8000/v1 "
                              "(API key from the VLM_AGENT_API_KEY environment variable).", launch="remote_url")
    remote_model: str = setting("", "Model name the remote server serves.", launch="remote_model")
    remote_timeout_s: float = setting(10.0, "Per-request timeout of the remote backend.", unit="s", minimum=0.1)

    def options_for(self, name: str) -> dict:
        """Keyword arguments of backend `name` (remote's API key comes from VLM_AGENT_API_KEY)."""
        if name == "owl":
            return {"model_path": self.model_path, "runtime": self.runtime, "onnx_dir": self.onnx_dir,
                    "triton_url": self.triton_url, "device": self.device}
        if name in ("grounding_dino", "florence2", "qwen2_5_vl"):
            return {"model_path": self.model_path, "device": self.device}
        if name == "remote":
            return {"base_url": self.remote_url, "model": self.remote_model, "timeout_s": self.remote_timeout_s,
                    "api_key": os.environ.get("VLM_AGENT_API_KEY", "")}
        return {}


def create_backend(name: str, **options) -> GroundingBackend:
    """Backend by name, as selected by the `backend` parameter or `--backend`; its module (and model
    libraries) are imported only when chosen."""
    if name not in BACKEND_CLASSES:
        raise ValueError(f"unknown grounding backend '{name}' (available: {', '.join(BACKENDS)})")
    module, class_name = BACKEND_CLASSES[name]
    return getattr(importlib.import_module(f".{module}", __name__), class_name)(**options)
