"""A TaskReport as the JSON object the CLI prints and the benchmark reads."""
from __future__ import annotations

from .steps import TaskReport


def report_dict(report: TaskReport) -> dict:
    return {"status": report.status,
            "steps": [{"text": s.text, "status": s.status, "explanation": s.explanation} for s in report.steps],
            "explanation": report.explanation,
            "objects": report.objects}
