"""Grounding results as plain JSON-ready dicts and sentences (CLI output, logs, evaluation)."""
from __future__ import annotations

from .objects import STATUS_OK, GroundingResult, Match
from .spatial import where


def match_dict(match: Match | None) -> dict | None:
    if match is None:
        return None
    obj = match.obj
    def vector(v):
        return None if v is None else [round(float(x), 4) for x in v]
    return {"id": obj.id, "label": obj.label, "color": obj.color, "score": round(float(match.score), 3),
            "bbox_xyxy": [round(float(v), 1) for v in obj.bbox_xyxy], "position_camera": vector(obj.center_camera),
            "position_base": vector(obj.center_base), "size": vector(obj.size)}


def explain_result(result: GroundingResult) -> str:
    if result.status != STATUS_OK or result.target is None:
        return result.message
    frame = result.pose_frame_id or "the camera frame"
    text = f"The {result.target.obj.description} at {where(result.target.obj, frame)}"
    if result.destination is not None:
        text += (f", to go {result.destination_relation.replace('_', ' ')} the "
                 f"{result.destination.obj.description} at {where(result.destination.obj, frame)}")
    return f"{text}; chosen because {result.rationale or 'it matches the command'}."


def result_dict(result: GroundingResult) -> dict:
    return {
        "status": result.status, "action": result.action, "message": result.message, "answer": result.answer or None,
        "target": match_dict(result.target), "destination": match_dict(result.destination),
        "destination_relation": result.destination_relation or None,
        "candidates": [match_dict(m) for m in result.candidates],
        "explanation": explain_result(result), "latency_ms": result.stage_latency_ms,
    }
