"""The per-frame cache every backend shares."""
from vlm_agent.core.backends.frame_cache import FrameCache


def test_same_frame_is_computed_once_and_a_new_frame_or_extra_recomputes():
    cache, calls = FrameCache(), []
    compute = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert cache.get("f1", compute) == 1 and cache.get("f1", compute) == 1
    assert cache.get("f2", compute) == 2
    assert cache.get("f2", compute, extra=("teddy bear",)) == 3  # vocabulary changed
    assert cache.get(None, compute) == 4 and cache.get(None, compute) == 5  # no identity: never a hit
    cache.clear()
    assert cache.get("f2", compute, extra=("teddy bear",)) == 6 and cache.misses == 6


def test_every_backend_uses_the_shared_cache():
    from pathlib import Path
    folder = Path(__file__).resolve().parents[1] / "vlm_agent" / "core" / "backends"
    for name in ("rgbd_geometry", "owl", "grounding_dino", "florence2", "chat_vlm"):
        text = (folder / f"{name}.py").read_text()
        assert "FrameCache()" in text and "_frame_key" not in text and "_cache_key" not in text, name
