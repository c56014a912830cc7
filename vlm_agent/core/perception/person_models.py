"""The MediaPipe person models: where they live and how they are loaded.

`scripts/setup.sh` (or `scripts/fetch_people_models.sh VENV`) extracts them from the PyPI wheel
mediapipe==0.10.21 into <venv>/share/vlm_agent/models/; they are never downloaded at run time.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..resources import data_file
from .ssd_anchors import AnchorSpec

SETUP_COMMAND = "scripts/setup.sh (or scripts/fetch_people_models.sh <venv>)"


@dataclass(frozen=True)
class DetectorSpec:
    file: str
    anchors: AnchorSpec
    num_keypoints: int
    min_score: float
    nms_threshold: float = 0.3


POSE_DETECTOR = DetectorSpec("pose_detection.tflite", AnchorSpec(224, (8, 16, 32, 32, 32)), 4, 0.5)
FACE_FULL_RANGE = DetectorSpec("face_detection_full_range_sparse.tflite", AnchorSpec(192, (4,), 0.0), 6, 0.6)
FACE_SHORT_RANGE = DetectorSpec("face_detection_short_range.tflite", AnchorSpec(128, (8, 16, 16, 16)), 6, 0.5)
SELFIE_SEGMENTATION = "selfie_segmentation.tflite"


def model_path(file: str, directory: str | Path | None = None) -> Path:
    """The model file in `directory`, or under models/ of the package's data folders."""
    if directory:
        path = Path(directory).expanduser() / file
        if not path.is_file():
            raise InputError(f"people model {path} not found; run {SETUP_COMMAND} to extract it from the "
                             "mediapipe==0.10.21 wheel, or point people_model_dir at a folder holding it")
        return path
    try:
        return data_file(f"models/{file}")
    except InputError as exc:
        raise InputError(f"people model models/{file} not found ({exc}); run {SETUP_COMMAND} to extract it "
                         "from the mediapipe==0.10.21 wheel") from exc


class TfliteModel:
    """One .tflite file on the LiteRT interpreter (ai-edge-litert), single-threaded by default."""

    def __init__(self, path: Path, threads: int = 1):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise InputError("people detection needs the PyPI package ai-edge-litert "
                             f"(pip install ai-edge-litert): {exc}") from exc
        try:
            self.interpreter = Interpreter(model_path=str(path), num_threads=threads)
            self.interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise InputError(f"people model {path} cannot be loaded: {exc}") from exc
        self.path = path
        self.input = self.interpreter.get_input_details()[0]
        self.outputs = self.interpreter.get_output_details()
        self.input_size = (int(self.input["shape"][2]), int(self.input["shape"][1]))  # width, height

    def __call__(self, tensor: np.ndarray) -> list[np.ndarray]:
        self.interpreter.set_tensor(self.input["index"], tensor[None].astype(np.float32))
        self.interpreter.invoke()
        return [self.interpreter.get_tensor(o["index"])[0] for o in self.outputs]
