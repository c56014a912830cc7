"""The interface every grounding backend implements.

A backend proposes candidate objects (2D box, attributes, 3D estimate) for a frame and
scores how well each matches a phrase's attributes. Relations, ordinals, negation and
superlatives are resolved on top of that by the shared Grounder, so every backend gets them.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..command_parser import ObjectPhrase
from ..frame import RGBDFrame
from ..objects import SceneObject

# a partly hidden primitive may be any of these: its visible outline cannot tell them apart
PRIMITIVES = {"cube", "box", "cylinder", "sphere"}
OCCLUDED_SHAPE_SCORE = 0.6
# how well an object of category A answers to a phrase naming category B
CATEGORY_AFFINITY = {("cube", "box"): 0.8, ("box", "cube"): 0.4, ("cylinder", "cup"): 0.6,
                     ("cup", "cylinder"): 0.6, ("cylinder", "bottle"): 0.5, ("bottle", "cylinder"): 0.5,
                     ("plate", "bowl"): 0.5, ("bowl", "plate"): 0.5}


class GroundingBackend(ABC):
    name: str = "base"

    @abstractmethod
    def propose(self, frame: RGBDFrame) -> list[SceneObject]:
        """All objects the backend sees in the frame."""

    def score(self, objects: list[SceneObject], phrase: ObjectPhrase) -> np.ndarray:
        """Attribute match of each object to the phrase, in [0, 1]."""
        return np.array([attribute_score(obj, phrase) for obj in objects], dtype=float)


def attribute_score(obj: SceneObject, phrase: ObjectPhrase) -> float:
    if phrase.category is None:
        category = 0.0 if phrase.noun else 1.0  # an unknown noun matches nothing
    elif phrase.category == obj.label:
        category = 1.0
    else:
        category = CATEGORY_AFFINITY.get((obj.label, phrase.category), 0.0)
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
