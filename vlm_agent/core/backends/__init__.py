"""Grounding backends: propose scene objects and score phrases against them."""
from __future__ import annotations

from .base import GroundingBackend


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
    if name == "remote":
        from .remote import RemoteVLMBackend
        return RemoteVLMBackend(**options)
    raise ValueError(f"unknown grounding backend '{name}' (available: rgbd_geometry, owl, grounding_dino, florence2, remote)")
