"""The interface every grounding backend implements.

A backend proposes candidate objects (2D box, attributes, 3D estimate) for a frame and
scores how well each matches a phrase's attributes. Relations, ordinals, negation and
superlatives are resolved on top of that by the shared Grounder, so every backend gets them.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..perception.attributes import color_name
from ..language.command_parser import ObjectPhrase, ParsedCommand
from ..perception.frame import RGBDFrame
from ..perception.objects import SceneObject
from ..language.vocabulary import CATEGORY_OF

# a partly hidden primitive may be any of these: its visible outline cannot tell them apart
PRIMITIVES = {"cube", "box", "cylinder", "sphere"}
OCCLUDED_SHAPE_SCORE = 0.6
# how well an object of category A answers to a phrase naming category B
CATEGORY_AFFINITY = {("cube", "box"): 0.8, ("box", "cube"): 0.4, ("cylinder", "cup"): 0.6,
                     ("cup", "cylinder"): 0.6, ("cylinder", "bottle"): 0.5, ("bottle", "cylinder"): 0.5,
                     ("plate", "bowl"): 0.5, ("bowl", "plate"): 0.5}


class GroundingBackend(ABC):
    name: str = "base"

    def prepare(self, parsed: ParsedCommand) -> None:
        """Called with each parsed command before `propose`: text-conditioned detectors extend their
        vocabulary here. Most backends need nothing."""

    def set_object_words(self, words: tuple[str, ...]) -> None:
        """The new object names of vocabulary_extra (at start and at every change): detectors that take a
        word list look for them in every frame. Backends that query a command's own words need nothing."""

    def set_prompts(self, **prompts: str) -> None:
        """The backend's prompt templates changed at run time (BackendSettings.prompts_for); results
        computed with the old ones are not reused. Backends without prompts get none."""

    @abstractmethod
    def propose(self, frame: RGBDFrame) -> list[SceneObject]:
        """All objects the backend sees in the frame."""

    def describe(self, frame: RGBDFrame) -> str | None:
        """A sentence about the scene from a generative model; None lets the core list the objects."""
        return None

    def answer(self, frame: RGBDFrame, question: str) -> str | None:
        """A generative model's answer to a free-form question about the frame (VQA); None when the
        backend has no such model, and the core answers what it can from the objects."""
        return None

    def score(self, objects: list[SceneObject], phrase: ObjectPhrase) -> np.ndarray:
        """Attribute match of each object to the phrase, in [0, 1]."""
        return np.array([attribute_score(obj, phrase) for obj in objects], dtype=float)


def command_phrases(parsed: ParsedCommand) -> list[ObjectPhrase]:
    """Every object phrase a command names: target, destination and their relations' references."""
    phrases = [p for p in (parsed.target, parsed.destination) if p is not None]
    return phrases + [r for p in phrases if p.relation for r in p.relation.references]


def box_iou(a, b) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    overlap = width * height
    return overlap / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap)


def attribute_score(obj: SceneObject, phrase: ObjectPhrase) -> float:
    if phrase.category is None:  # an unknown noun matches only an open-vocabulary label that names it
        category = 1.0 if not phrase.noun or phrase.noun in obj.label.split() else 0.0
    elif phrase.category == obj.label:
        category = 1.0
    else:
        category = max(CATEGORY_AFFINITY.get((obj.label, phrase.category), 0.0),
                       dict(obj.label_scores).get(phrase.category, 0.0))
        if obj.occluded and {obj.label, phrase.category} <= PRIMITIVES:
            category = max(category, OCCLUDED_SHAPE_SCORE)
    if phrase.color is None:
        color = 1.0
    elif phrase.color != obj.color:
        color = 0.0
    elif phrase.shade and phrase.shade != obj.shade:
        color = 0.55
    else:
        color = 0.7 if obj.shade and not phrase.shade else 1.0  # plain "blue" prefers the plain blue one
    excluded = obj.color in phrase.excluded_colors or obj.label in phrase.excluded_categories
    return 0.0 if excluded else category * color * float(np.sqrt(obj.detector_score))


def box_center_3d(frame: RGBDFrame, box) -> np.ndarray | None:
    """Camera-frame point at the median depth of the box's central half, or None without depth."""
    if frame.depth_m is None or frame.intrinsics is None:
        return None
    x0, y0, x1, y1 = box
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 4, (y1 - y0) / 4
    patch = frame.depth_m[int(cy - h):int(cy + h) + 1, int(cx - w):int(cx + w) + 1]
    valid = patch[np.isfinite(patch) & (patch > 0)]
    if valid.size == 0:
        return None
    z, k = float(np.median(valid)), frame.intrinsics
    return np.array([(cx - k.cx) * z / k.fx, (cy - k.cy) * z / k.fy, z])


def object_from_box(frame: RGBDFrame, object_id: str, box, label: str, score: float = 1.0) -> SceneObject | None:
    """A detected box as a scene object: clipped to the image, colour from its pixels, 3D from the
    depth inside it; None when nothing of the box is inside the image."""
    height, width = frame.rgb.shape[:2]
    x0, y0, x1, y1 = (float(np.clip(v, 0, limit)) for v, limit in zip(box, (width, height, width, height)))
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    pixels = frame.rgb[int(y0):int(y1), int(x0):int(x1)].reshape(-1, 3)
    color, shade = color_name(pixels[::max(1, len(pixels) // 4096)])  # ~4k pixels are plenty for a median
    center = box_center_3d(frame, (x0, y0, x1, y1))
    name = str(label).strip().lower()
    return SceneObject(id=object_id, label=CATEGORY_OF.get(name, name), bbox_xyxy=(x0, y0, x1, y1),
                       detector_score=float(score), color=color, shade=shade, center_camera=center,
                       center_base=None if center is None or frame.base_from_camera is None
                       else frame.to_base(center)[0])
