"""Polling until something is true, with backoff and a timeout. Pure: the clock,
the sleep and the probe are passed in, so the loop is tested without waiting."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from releasekit.errors import WaitTimeout


@dataclass
class Poll:
    done: bool
    missing: list[str]  # what is still not there, for the progress line and the timeout message


def wait_until(
    probe: Callable[[], Poll],
    *,
    what: str,
    timeout: float,
    interval: float,
    max_interval: float,
    on_progress: Callable[[float, int, list[str]], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], float] = time.monotonic,
    hint: str | None = None,
) -> int:
    """Call ``probe`` until it reports done; returns the number of polls. Backs off by 1.5x per
    poll up to ``max_interval``; raises WaitTimeout naming what never appeared."""
    start = now()
    polls = 0
    delay = interval
    while True:
        result = probe()
        polls += 1
        elapsed = now() - start
        if on_progress:
            on_progress(elapsed, polls, result.missing)
        if result.done:
            return polls
        if elapsed >= timeout:
            raise WaitTimeout(
                f"{what} still lacks {', '.join(result.missing)} after {elapsed:.0f}s ({polls} polls)",
                hint or "the index may be lagging: run the verify step again later to keep waiting",
            )
        sleep(min(delay, max(0.0, timeout - elapsed)))
        delay = min(delay * 1.5, max_interval)
