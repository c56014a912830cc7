"""Grounding backends: propose scene objects and score phrases against them."""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

from ..settings.schema import setting, template_check
from .base import GroundingBackend
from .prompts import (OWL_PROPOSAL_QUERY, OWL_QUERY_TEMPLATE, VLM_ANSWER_PROMPT, VLM_DESCRIBE_PROMPT,
                      VLM_OBJECTS_PROMPT)

BACKEND_CLASSES = {  # name -> (module in this package, class)
    "rgbd_geometry": ("rgbd_geometry", "RGBDGeometryBackend"), "owl": ("owl", "OwlBackend"),
    "grounding_dino": ("grounding_dino", "GroundingDinoBackend"), "florence2": ("florence2", "Florence2Backend"),
    "qwen2_5_vl": ("qwen2_5_vl", "Qwen25VLBackend"), "remote": ("remote", "RemoteVLMBackend"),
}
BACKENDS = tuple(BACKEND_CLASSES)
CHAT_BACKENDS = ("remote", "qwen2_5_vl")


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
    owl_query_template: str = setting(OWL_QUERY_TEMPLATE, "owl: text query for an object phrase; {} (exactly "
                                      "once) is the phrase, e.g. \"red cube\".", runtime=True,
                                      check=template_check("{}"))
    owl_proposal_query: str = setting(OWL_PROPOSAL_QUERY, "owl: text query that ranks the boxes proposed as "
                                      "objects.", runtime=True, check=template_check())
    vlm_objects_prompt: str = setting(VLM_OBJECTS_PROMPT, "remote, qwen2_5_vl: instruction that lists the objects "
                                      "as JSON; {width} and {height} (each once) are the size of the image the "
                                      "boxes are in.", runtime=True, check=template_check("{width}", "{height}"))
    vlm_describe_prompt: str = setting(VLM_DESCRIBE_PROMPT, "remote, qwen2_5_vl: instruction for \"describe the "
                                       "scene\".", runtime=True, check=template_check())
    vlm_answer_prompt: str = setting(VLM_ANSWER_PROMPT, "remote, qwen2_5_vl: prompt for a question about the "
                                     "scene; {question} (once) is the question.", runtime=True,
                                     check=template_check("{question}"))

    def options_for(self, name: str) -> dict:
        """Keyword arguments of backend `name` (remote's API key comes from VLM_AGENT_API_KEY)."""
        options = {}
        if name == "owl":
            options = {"model_path": self.model_path, "runtime": self.runtime, "onnx_dir": self.onnx_dir,
                       "triton_url": self.triton_url, "device": self.device}
        elif name in ("grounding_dino", "florence2", "qwen2_5_vl"):
            options = {"model_path": self.model_path, "device": self.device}
        elif name == "remote":
            options = {"base_url": self.remote_url, "model": self.remote_model, "timeout_s": self.remote_timeout_s,
                       "api_key": os.environ.get("VLM_AGENT_API_KEY", "")}
        return {**options, **self.prompts_for(name)}

    def prompts_for(self, name: str) -> dict:
        """The prompts of backend `name`: keyword arguments of its constructor and of its set_prompts."""
        if name == "owl":
            return {"query_template": self.owl_query_template, "proposal_query": self.owl_proposal_query}
        if name in CHAT_BACKENDS:
            return {"objects_prompt": self.vlm_objects_prompt, "describe_prompt": self.vlm_describe_prompt,
                    "answer_prompt": self.vlm_answer_prompt}
        return {}


def create_backend(name: str, **options) -> GroundingBackend:
    """Backend by name, as selected by the `backend` parameter or `--backend`; its module (and model
    libraries) are imported only when chosen."""
    if name not in BACKEND_CLASSES:
        raise ValueError(f"unknown grounding backend '{name}' (available: {', '.join(BACKENDS)})")
    module, class_name = BACKEND_CLASSES[name]
    return getattr(importlib.import_module(f".{module}", __name__), class_name)(**options)
