"""Stable ids for people across frames: greedy association by box overlap, or by base-frame
distance when both have a position; a track is dropped after max_missed frames unseen."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .people import PersonObservation
from .ssd_anchors import iou


@dataclass(frozen=True)
class TrackedPerson:
    id: str
    observation: PersonObservation
    age: int            # frames since the track started
    missed: int = 0     # frames since it was last seen


class PeopleTracker:
    def __init__(self, min_iou: float = 0.2, max_distance_m: float = 0.5, max_missed: int = 5, prefix: str = "person"):
        self.min_iou, self.max_distance_m, self.max_missed, self.prefix = min_iou, max_distance_m, max_missed, prefix
        self.tracks: list[TrackedPerson] = []
        self.next_id = 1

    def update(self, observations: list[PersonObservation]) -> list[TrackedPerson]:
        """Tracks seen in this frame, each with its id (new people get new ids)."""
        pairs = sorted(((self._affinity(t.observation, o), ti, oi) for ti, t in enumerate(self.tracks)
                        for oi, o in enumerate(observations)), reverse=True)
        matched_tracks, matched_obs, seen = set(), set(), []
        for affinity, ti, oi in pairs:
            if affinity <= 0 or ti in matched_tracks or oi in matched_obs:
                continue
            matched_tracks.add(ti)
            matched_obs.add(oi)
            track = self.tracks[ti]
            seen.append(TrackedPerson(track.id, observations[oi], track.age + 1))
        for oi, observation in enumerate(observations):
            if oi not in matched_obs:
                seen.append(TrackedPerson(f"{self.prefix}_{self.next_id}", observation, 1))
                self.next_id += 1
        unseen = [replace(t, missed=t.missed + 1, age=t.age + 1) for ti, t in enumerate(self.tracks)
                  if ti not in matched_tracks and t.missed + 1 <= self.max_missed]
        self.tracks = seen + unseen
        return seen

    def _affinity(self, a: PersonObservation, b: PersonObservation) -> float:
        if a.centroid_base is not None and b.centroid_base is not None:
            distance = float(np.linalg.norm(np.subtract(a.centroid_base, b.centroid_base)[:2]))
            return 1.0 - distance / self.max_distance_m if distance < self.max_distance_m else 0.0
        overlap = iou(a.detection.bbox_xyxy, b.detection.bbox_xyxy)
        return overlap if overlap >= self.min_iou else 0.0
