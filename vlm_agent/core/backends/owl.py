"""Open-vocabulary detection with OWL-ViT / OWLv2 (transformers weights from a local folder).

The image encoder runs once per frame and yields, for every patch, a box, a normalised class
embedding and a logit shift/scale; a phrase costs one text-encoder pass, cached per text, and a
dot product. The same two encoders run in PyTorch or, exported to ONNX, in ONNX Runtime.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from .checkpoints import require_checkpoint
from ..language.command_parser import ObjectPhrase
from ..errors import InputError
from ..perception.frame import RGBDFrame
from ..perception.objects import SceneObject
from .base import GroundingBackend, object_from_box
from .frame_cache import FrameCache
from .prompts import OWL_PROPOSAL_QUERY, OWL_QUERY_TEMPLATE
from .tensorrt_engine import IMAGE_OUTPUTS, TEXT_OUTPUT

HOW_TO_GET = ("put an OWL-ViT or OWLv2 checkpoint there, e.g. `huggingface-cli download google/owlv2-base-patch16-ensemble "
              "--local-dir DIR` where a network exists")


MEAN_255 = np.array([0.48145466, 0.4578275, 0.40821073], np.float32) * 255  # OpenAI CLIP statistics
STD_255 = np.array([0.26862954, 0.26130258, 0.27577711], np.float32) * 255


def load_torch_encoders(model_dir: str):
    """(image encoder, text encoder) torch modules wrapping a transformers OWL-ViT/OWLv2 checkpoint."""
    import torch
    from transformers import AutoConfig, Owlv2ForObjectDetection, OwlViTForObjectDetection

    config = AutoConfig.from_pretrained(model_dir, local_files_only=True)
    model_class = Owlv2ForObjectDetection if config.model_type == "owlv2" else OwlViTForObjectDetection
    model = model_class.from_pretrained(model_dir, local_files_only=True).eval()

    class ImageEncoder(torch.nn.Module):
        """pixel_values (B,3,S,S) -> boxes cxcywh in [0,1] (B,N,4), class embeddings (B,N,D), shift, scale (B,N,1)."""

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, pixel_values):
            feature_map = self.model.image_embedder(pixel_values=pixel_values)[0]
            batch, height, width, dim = feature_map.shape
            feats = feature_map.reshape(batch, height * width, dim)
            boxes = self.model.box_predictor(feats, feature_map)
            head = self.model.class_head
            embeds = head.dense0(feats)
            embeds = embeds / (torch.linalg.norm(embeds, dim=-1, keepdim=True) + 1e-6)
            return boxes, embeds, head.logit_shift(feats), head.elu(head.logit_scale(feats)) + 1

    class TextEncoder(torch.nn.Module):
        """input_ids, attention_mask (Q,T) -> normalised query embeddings (Q,D)."""

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            text = self.model.owlvit if hasattr(self.model, "owlvit") else self.model.owlv2
            pooled = text.text_model(input_ids=input_ids, attention_mask=attention_mask).pooler_output
            queries = text.text_projection(pooled)
            return queries / (torch.linalg.norm(queries, dim=-1, keepdim=True) + 1e-6)

    return ImageEncoder().eval(), TextEncoder().eval(), model


def patch_logits(class_embeds: np.ndarray, shift: np.ndarray, scale: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """(N, Q) logits of every patch for every query, as the OWL class head computes them."""
    return (class_embeds @ queries.T + shift) * scale


class TorchRuntime:
    name = "torch"

    def __init__(self, model_dir: str, device: str = "cpu"):
        import torch
        self._torch, self.device = torch, device
        image_encoder, text_encoder, _ = load_torch_encoders(model_dir)
        self.image_encoder, self.text_encoder = image_encoder.to(device), text_encoder.to(device)

    def _tensor(self, array: np.ndarray):
        return self._torch.from_numpy(array).to(self.device)

    def encode_image(self, pixel_values: np.ndarray):
        with self._torch.inference_mode():
            return tuple(t.cpu().numpy() for t in self.image_encoder(self._tensor(pixel_values)))

    def encode_text(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        with self._torch.inference_mode():
            return self.text_encoder(self._tensor(input_ids), self._tensor(attention_mask)).cpu().numpy()


class OnnxRuntime:
    """The exported encoders in ONNX Runtime; providers by availability: TensorRT (FP16, engines cached
    beside the ONNX files), CUDA, CPU."""
    name = "onnx"
    PREFERENCE = ("TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider")

    def __init__(self, onnx_dir: str, providers: list[str] | None = None):
        import onnxruntime as ort
        available = ort.get_available_providers()
        self.providers = providers or [p for p in self.PREFERENCE if p in available]
        tensorrt_options = {"trt_fp16_enable": True, "trt_engine_cache_enable": True,
                            "trt_engine_cache_path": str(Path(onnx_dir, "ort_trt_cache"))}
        configured = [(p, tensorrt_options) if p == "TensorrtExecutionProvider" else p for p in self.providers]
        # ONNX Runtime's own thread count (one per physical core) is the fastest here too
        self.image = ort.InferenceSession(str(Path(onnx_dir, "image_encoder.onnx")), providers=configured)
        self.text = ort.InferenceSession(str(Path(onnx_dir, "text_encoder.onnx")), providers=configured)

    def encode_image(self, pixel_values: np.ndarray):
        return tuple(self.image.run(None, {"pixel_values": pixel_values}))

    def encode_text(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return self.text.run(None, {"input_ids": input_ids, "attention_mask": attention_mask})[0]


class TritonRuntime:
    """The exported encoders served by Triton Inference Server (KServe v2 HTTP/JSON protocol), so a
    fleet shares one GPU: models `image_model` and `text_model` are the two ONNX files."""
    name = "triton"

    def __init__(self, url: str, image_model: str = "owl_image_encoder", text_model: str = "owl_text_encoder",
                 timeout_s: float = 10.0):
        self.url, self.image_model, self.text_model, self.timeout_s = url.rstrip("/"), image_model, text_model, timeout_s

    def _infer(self, model: str, arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
        import json
        import urllib.error
        import urllib.request
        datatypes = {np.dtype(np.float32): "FP32", np.dtype(np.int64): "INT64"}
        body = {"inputs": [{"name": k, "shape": list(v.shape), "datatype": datatypes[v.dtype],
                            "data": v.reshape(-1).tolist()} for k, v in arrays.items()]}
        request = urllib.request.Request(f"{self.url}/v2/models/{model}/infer", json.dumps(body).encode(),
                                         {"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                reply = json.loads(response.read())
            return [np.asarray(o["data"], np.float32).reshape(o["shape"]) for o in reply["outputs"]]
        except (urllib.error.URLError, TimeoutError, OSError, KeyError, ValueError) as exc:
            raise InputError(f"Triton server {self.url} model {model} failed: {exc!r}") from exc

    def encode_image(self, pixel_values: np.ndarray):
        return tuple(self._infer(self.image_model, {"pixel_values": pixel_values.astype(np.float32)}))

    def encode_text(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return self._infer(self.text_model, {"input_ids": input_ids, "attention_mask": attention_mask})[0]


def export_onnx(model_dir: str, out_dir: str, opset: int = 17) -> tuple[Path, Path]:
    """Export both encoders with a dynamic batch axis (opset 17 parses in TensorRT 8.6+)."""
    import torch
    image_encoder, text_encoder, model = load_torch_encoders(model_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    size = model.config.vision_config.image_size
    tokens = model.config.text_config.max_position_embeddings
    image_path, text_path = out / "image_encoder.onnx", out / "text_encoder.onnx"
    torch.onnx.export(image_encoder, (torch.zeros(1, 3, size, size),), str(image_path), opset_version=opset,
                      input_names=["pixel_values"], output_names=list(IMAGE_OUTPUTS),
                      dynamic_axes={"pixel_values": {0: "batch"}, "boxes": {0: "batch"}, "class_embeds": {0: "batch"},
                                    "logit_shift": {0: "batch"}, "logit_scale": {0: "batch"}}, dynamo=False)
    ids = torch.ones(2, tokens, dtype=torch.int64)
    torch.onnx.export(text_encoder, (ids, torch.ones_like(ids)), str(text_path), opset_version=opset,
                      input_names=["input_ids", "attention_mask"], output_names=[TEXT_OUTPUT],
                      dynamic_axes={"input_ids": {0: "queries"}, "attention_mask": {0: "queries"},
                                    "queries": {0: "queries"}}, dynamo=False)
    return image_path, text_path


class OwlBackend(GroundingBackend):
    """Proposes the boxes the detector finds most object-like; scores phrases by text similarity."""
    name = "owl"

    def __init__(self, model_path: str, runtime: str = "torch", onnx_dir: str = "", triton_url: str = "",
                 device: str = "cpu", max_proposals: int = 20, query_template: str = OWL_QUERY_TEMPLATE,
                 proposal_query: str = OWL_PROPOSAL_QUERY, min_proposal_score: float = 0.1,
                 match_threshold: float = 0.1):
        model_path = require_checkpoint(model_path, "OWL-ViT/OWLv2", HOW_TO_GET)
        from transformers import AutoConfig, AutoTokenizer
        config = AutoConfig.from_pretrained(model_path, local_files_only=True)
        self.image_size = config.vision_config.image_size
        self.pad_to_square = config.model_type == "owlv2"  # OWL-ViT stretches the image to a square instead
        self.max_tokens = config.text_config.max_position_embeddings
        self.tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
        if runtime == "tensorrt":
            from .tensorrt_engine import TensorRTRuntime
            self.runtime = TensorRTRuntime(onnx_dir)
        elif runtime == "onnx":
            self.runtime = OnnxRuntime(onnx_dir)
        elif runtime == "triton":
            self.runtime = TritonRuntime(triton_url)
        elif runtime == "torch":
            self.runtime = TorchRuntime(model_path, device)
        else:
            raise InputError(f"unknown runtime '{runtime}' (torch, onnx, tensorrt or triton)")
        self.max_proposals, self.min_score = max_proposals, min_proposal_score
        self.set_prompts(query_template, proposal_query)
        self.match_threshold = match_threshold  # detector probability that counts as a match (score 0.5)
        self.text_passes = 0
        self.query = lru_cache(maxsize=1024)(self._encode_query)
        self._encoded: FrameCache[list] = FrameCache()
        self._indices = {}

    def set_prompts(self, query_template: str, proposal_query: str) -> None:
        """Text embeddings are cached per query text, so a new template is encoded on its first use;
        the image encoding does not depend on the text and is kept."""
        self.query_template, self.proposal_query = query_template, proposal_query

    def _encode_query(self, text: str) -> np.ndarray:
        self.text_passes += 1
        tokens = self.tokenizer([text], padding="max_length", max_length=self.max_tokens, truncation=True,
                                return_tensors="np")
        return self.runtime.encode_text(tokens["input_ids"].astype(np.int64),
                                        tokens["attention_mask"].astype(np.int64))[0]

    def preprocess(self, rgb: np.ndarray) -> np.ndarray:
        """The checkpoints' own preprocessing: OWLv2 pads to a square (bottom/right, grey) and resizes,
        OWL-ViT resizes straight to the square; then CLIP mean/std. (OWLv2: resizing before padding
        gives the same picture with less work.)"""
        import cv2
        height, width = rgb.shape[:2]
        if not self.pad_to_square:
            square = cv2.resize(rgb, (self.image_size, self.image_size), interpolation=cv2.INTER_AREA)
        else:
            scale = self.image_size / max(height, width)
            resized = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))),
                                 interpolation=cv2.INTER_AREA)
            square = np.full((self.image_size, self.image_size, 3), 128, np.uint8)
            square[:resized.shape[0], :resized.shape[1]] = resized
        pixels = square.transpose(2, 0, 1).astype(np.float32, order="C")  # (3, S, S), normalised in place
        pixels -= MEAN_255[:, None, None]
        pixels *= (1 / STD_255)[:, None, None]
        return pixels[None]

    def encoded(self, frame: RGBDFrame):
        return self._encoded.get(frame.key, lambda: [a[0] for a in self.runtime.encode_image(
            self.preprocess(frame.rgb))])

    def propose(self, frame: RGBDFrame) -> list[SceneObject]:
        boxes, embeds, shift, scale = self.encoded(frame)
        logits = patch_logits(embeds, shift, scale, self.query(self.proposal_query)[None])[:, 0]
        order = np.argsort(-logits)[:self.max_proposals]
        height, width = frame.rgb.shape[:2]
        # boxes are relative to the square the model saw: the padded image (OWLv2) or the stretched one
        scale = np.array([max(height, width)] * 4 if self.pad_to_square else [width, height, width, height])
        objects, self._indices = [], {}
        for rank, index in enumerate(order):
            score = float(1 / (1 + np.exp(-logits[index])))
            if score < self.min_score and rank > 0:
                break
            cx, cy, w, h = boxes[index] * scale
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            obj = object_from_box(frame, f"owl_{rank}", box, "object", score)
            if obj is None:
                continue  # entirely in the padding
            objects.append(obj)
            self._indices[obj.id] = int(index)
        return objects

    def score(self, objects: list[SceneObject], phrase: ObjectPhrase) -> np.ndarray:
        if self._encoded.latest is None:
            return np.zeros(len(objects))
        _, embeds, shift, scale = self._encoded.latest
        query = self.query(self.query_template.replace("{}", phrase.head))[None]
        scores = []
        for obj in objects:
            index = self._indices.get(obj.id)
            if index is None:
                scores.append(0.0)
                continue
            logit = patch_logits(embeds[index:index + 1], shift[index:index + 1], scale[index:index + 1], query)[0, 0]
            excluded = obj.color in phrase.excluded_colors
            probability = float(1 / (1 + np.exp(-logit)))
            scores.append(0.0 if excluded else min(1.0, 0.5 * probability / self.match_threshold))
        return np.array(scores)
