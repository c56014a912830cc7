"""Grounding backends: propose scene objects and score phrases against them."""
from __future__ import annotations

import os
from dataclasses import dataclass

from .base import GroundingBackend

BACKENDS = ("rgbd_geometry", "owl", "grounding_dino", "florence2", "qwen2_5_vl", "remote")


@dataclass(frozen=True)
class BackendSettings:
    """The flat settings the grounding node's parameters and the CLI's options share."""
    model_path: str = ""
    device: str = "cpu"
    runtime: str = "torch"
    onnx_dir: str = ""
    triton_url: str = ""
    remote_url: str = ""
    remote_model: str = ""
    remote_timeout_s: float = 10.0

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
    """Backend by name, as selected by the `backend` parameter or `--backend`."""
    if name == "rgbd_geometry":
        from .rgbd_geometry import RGBDGeometryBackend
        return RGBDGeometryBackend(**options)
    if name == "owl":
        from .owl import OwlBackend
        return OwlBackend(**options)
    if name == "grounding_dino":
        from .grounding_dino import GroundingDinoBackend
        return GroundingDinoBackend(**options)
    if name == "florence2":
        from .florence2 import Florence2Backend
        return Florence2Backend(**options)
    if name == "qwen2_5_vl":
        from .qwen2_5_vl import Qwen25VLBackend
        return Qwen25VLBackend(**options)
    if name == "remote":
        from .remote import RemoteVLMBackend
        return RemoteVLMBackend(**options)
    raise ValueError(f"unknown grounding backend '{name}' (available: {', '.join(BACKENDS)})")
