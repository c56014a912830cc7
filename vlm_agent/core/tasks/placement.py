"""Free space before placing: the spot the planner would release at must be clear of every other
object; if it is not, the nearest clear spot that still satisfies the relation is used, else the
step stops. Carrying paths must pass above everything (nothing is placed into or through another)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..perception.objects import GroundingResult, Plan, SceneObject
from ..perception.spatial import footprint_radius
from ..planning.planner import PlannerConfig, place_position

CLEARANCE_M = 0.008      # gap kept between the placed object and its neighbours
ROOMY_CLEARANCE_M = 0.025  # preferred: the camera tells objects this far apart from each other
EDGE_MARGIN_M = 0.012    # a placed centre stays this far inside the support's edge
SEARCH_RINGS = (0.0, 0.02, 0.035, 0.05, 0.065, 0.08, 0.1, 0.12)


def _top(obj: SceneObject) -> float:
    return float(obj.center_base[2] + 0.5 * obj.size[2])


def _bottom(obj: SceneObject) -> float:
    return float(obj.center_base[2] - 0.5 * obj.size[2])


def blockers(release: np.ndarray, target: SceneObject, objects, ignore, clearance: float = CLEARANCE_M
             ) -> list[SceneObject]:
    """Objects whose footprint (grown by `clearance`) and height range overlap the target's at `release`."""
    radius, half = footprint_radius(target), 0.5 * float(target.size[2])
    found = []
    for obj in objects:
        if any(obj is i for i in ignore) or obj.center_base is None or obj.size is None:
            continue
        gap = float(np.linalg.norm(obj.center_base[:2] - release[:2])) - radius - footprint_radius(obj)
        overlaps_height = _bottom(obj) < release[2] + half and _top(obj) > release[2] - half + 0.004
        if gap < clearance and overlaps_height:
            found.append(obj)
    return found


def free_placement(result: GroundingResult, target: SceneObject, objects, config: PlannerConfig
                   ) -> tuple[GroundingResult | None, str]:
    """(result whose destination makes the planner release at a free spot, note) or (None, why not)."""
    dest = result.destination.obj
    release = place_position(result, target, config)
    if release is None:
        return None, "the destination's position is unknown"
    ignore = (target, dest)
    in_the_way = blockers(release, target, objects, ignore)
    if not in_the_way:
        return result, ""
    relation = result.destination_relation
    reach = footprint_radius(dest) - EDGE_MARGIN_M if relation in ("on", "in") else 0.06
    for clearance in (ROOMY_CLEARANCE_M, CLEARANCE_M):
        for ring in [r for r in SEARCH_RINGS[1:] if r <= max(reach, 0.0)]:
            for angle in np.linspace(0, 2 * np.pi, 12, endpoint=False):
                offset = ring * np.array([np.cos(angle), np.sin(angle), 0.0])
                if relation not in ("on", "in") and np.dot(offset[:2], release[:2] - dest.center_base[:2]) < 0:
                    continue  # keep "left of" on the left
                if not blockers(release + offset, target, objects, ignore, clearance):
                    moved = replace(dest, center_base=np.asarray(dest.center_base, float) + offset)
                    shifted = replace(result, destination=replace(result.destination, obj=moved))
                    return shifted, (f"the spot was taken by the {in_the_way[0].description}, so I use a free spot "
                                     f"{100 * ring:.0f} cm from it")
    return None, (f"the {dest.description} has no free spot for the {target.description}: the "
                  f"{', '.join(o.description for o in in_the_way)} {'is' if len(in_the_way) == 1 else 'are'} in the way")


def carry_problem(plan: Plan, held: SceneObject, objects, ignore=()) -> str:
    """'' when the held object, carried along the plan, passes above every other object."""
    radius, half = footprint_radius(held), 0.5 * float(held.size[2])
    holding, previous = False, None
    for step in plan.steps:
        position = np.asarray(step.position, float)
        if holding and previous is not None:
            for t in np.linspace(0.0, 1.0, 25):
                point = previous + t * (position - previous)
                for obj in objects:
                    if obj is held or any(obj is i for i in ignore) or obj.center_base is None or obj.size is None:
                        continue
                    close = np.linalg.norm(point[:2] - obj.center_base[:2]) < radius + footprint_radius(obj) - 0.005
                    if close and point[2] - half < _top(obj) - 0.002:
                        return f"carrying it would pass through the {obj.description}"
        if step.gripper == "close":
            holding = True
        elif step.gripper == "open":
            holding = False
        previous = position
    return ""


def rests_on(obj: SceneObject, support: SceneObject) -> bool:
    """Already on the support: centre over its footprint, top well above the support's top (the camera
    sees a stacked object's extent down to the table, so its top is what tells)."""
    if obj.center_base is None or support.center_base is None or support.size is None or obj.size is None:
        return False
    support_top = support.center_base[2] + 0.5 * float(support.size[2])
    top = obj.center_base[2] + 0.5 * float(obj.size[2])
    return float(np.linalg.norm(np.asarray(obj.center_base[:2]) - np.asarray(support.center_base[:2]))) < footprint_radius(support) and top > support_top + 0.02
