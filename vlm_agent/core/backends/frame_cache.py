"""The one per-frame cache every backend uses: work done on a frame (model pass, segmentation,
image encoding) is reused while the same frame is asked about again."""
from __future__ import annotations

from typing import Callable, Generic, Hashable, TypeVar

T = TypeVar("T")


class FrameCache(Generic[T]):
    """Holds the value computed for the latest key. A key of None (a frame without identity) is
    never a hit; `extra` distinguishes what else the value depends on (vocabulary, prompt)."""

    def __init__(self):
        self._key: Hashable = None
        self._value: T | None = None
        self.misses = 0

    def get(self, frame_key: Hashable, compute: Callable[[], T], extra: Hashable = ()) -> T:
        key = None if frame_key is None else (frame_key, extra)
        if key is None or key != self._key:
            self._value = compute()
            self._key = key
            self.misses += 1
        return self._value

    @property
    def latest(self) -> T | None:
        """The value of the latest frame asked about (None before the first)."""
        return self._value

    def clear(self) -> None:
        self._key, self._value = None, None
