"""A small run of the randomised grounding benchmark (bench/grounding_suite.py runs the full one)."""
import sys

import pytest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from grounding_suite import run_suite  # noqa: E402

from vlm_agent.core.sim.scenarios import GENERATORS, generate_cases  # noqa: E402

pytestmark = pytest.mark.slow  # the grounding suite over many rendered scenes


def test_generator_makes_every_category_with_unique_names():
    cases = generate_cases(2, seed=11)
    assert {c.category for c in cases} == set(GENERATORS)
    for case in cases:
        names = [o.name for o in case.scene.objects]
        assert len(names) == len(set(names)) and 2 <= len(names) <= 9
        assert case.expected_status != "ok" or case.target or case.count is not None


def test_small_suite_meets_the_targets():
    summary = run_suite(per_category=3, seed=5, out_dir=None)
    rates = {c: sum(v) / len(v) for c, v in summary["outcomes"].items()}
    overall = sum(sum(v) for v in summary["outcomes"].values()) / summary["cases"]
    assert overall >= 0.95, (rates, summary["failures"])
    assert min(rates.values()) >= 2 / 3, (rates, summary["failures"])


@pytest.mark.slow
def test_small_suite_at_d435_depth_noise_meets_the_targets():
    """The existing suite with the simulated RealSense D435 error model on the depth images."""
    summary = run_suite(per_category=2, seed=5, out_dir=None, depth_noise="d435")
    overall = sum(sum(v) for v in summary["outcomes"].values()) / summary["cases"]
    assert overall >= 0.95, summary["failures"]
