"""Scenario results: a readable table, a summary line and JUnit XML (GitHub Actions, GitLab,
`colcon test-result` read it)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .pipeline import CommandRun


@dataclass(frozen=True)
class CaseResult:
    suite: str         # scenario file name
    scene: str
    name: str
    command: str
    run: CommandRun | None   # None: the case could not run (error names why)
    problems: tuple[str, ...] = ()
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems and not self.error


def table(results: list[CaseResult]) -> str:
    rows = [("", "scene", "case", "status", "grounding", "plan", "ms", "why")]
    for r in results:
        run = r.run
        rows.append(("PASS" if r.passed else "FAIL", Path(r.scene).stem, r.name,
                     run.status if run else "-", (run.grounding or "-") if run else "-",
                     ("released" if run.plan_released else "-") if run else "-",
                     f"{run.latency_ms:.0f}" if run else "-", r.error or "; ".join(r.problems)))
    widths = [min(max(len(row[i]) for row in rows), 40) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(cell[:40].ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1]
                     for row in rows)


def summary(results: list[CaseResult], seconds: float) -> str:
    failed = sum(not r.passed for r in results)
    return f"{len(results) - failed} passed, {failed} failed, {len(results)} cases in {seconds:.1f} s"


def write_junit(results: list[CaseResult], path: str | Path, seconds: float) -> Path:
    suites = ET.Element("testsuites", name="vlm_agent scenarios", tests=str(len(results)),
                        failures=str(sum(bool(r.problems) and not r.error for r in results)),
                        errors=str(sum(bool(r.error) for r in results)), time=f"{seconds:.3f}")
    by_suite: dict[str, list[CaseResult]] = {}
    for r in results:
        by_suite.setdefault(r.suite, []).append(r)
    for name, cases in by_suite.items():
        suite = ET.SubElement(suites, "testsuite", name=name, tests=str(len(cases)),
                              failures=str(sum(bool(c.problems) and not c.error for c in cases)),
                              errors=str(sum(bool(c.error) for c in cases)),
                              time=f"{sum(c.run.latency_ms for c in cases if c.run) / 1000:.3f}")
        for c in cases:
            case = ET.SubElement(suite, "testcase", classname=f"{name}.{Path(c.scene).stem}", name=c.name,
                                 time=f"{(c.run.latency_ms if c.run else 0) / 1000:.3f}")
            if c.error:
                ET.SubElement(case, "error", message=c.error[:500]).text = c.error
            elif c.problems:
                ET.SubElement(case, "failure", message="; ".join(c.problems)[:500]).text = "\n".join(c.problems)
            out = f"command: {c.command}"
            if c.run:
                out += f"\nstatus: {c.run.status}\ngrounding: {c.run.grounding}\nmessage: {c.run.message}"
            ET.SubElement(case, "system-out").text = out
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
    return path
