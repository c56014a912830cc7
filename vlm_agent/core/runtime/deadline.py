"""Run a check on a worker thread and stop waiting for it at a deadline."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout


class DeadlineExceeded(Exception):
    pass


class DeadlineRunner:
    """One worker thread: calls run in order, and `call` returns or raises DeadlineExceeded
    after at most `timeout_s`. A call past its deadline still finishes on the worker (Python
    threads cannot be killed), so the next call may wait for it: that call then times out too,
    which fails closed."""

    def __init__(self, name: str = "deadline"):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def call(self, timeout_s: float, function, *args):
        future = self._pool.submit(function, *args)
        try:
            return future.result(timeout=timeout_s)
        except FutureTimeout as exc:
            future.cancel()
            raise DeadlineExceeded(f"no answer within {timeout_s:.2f} s") from exc

    def close(self):
        self._pool.shutdown(wait=False, cancel_futures=True)
