"""Polling until something is true, at a steady interval, under a timeout. Pure: the clock,
the sleep and the probe are passed in, so the loop is tested without waiting."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from releasekit.core.errors import WaitTimeout


@dataclass
class Poll:
    done: bool
    missing: list[str]  # what is still not there, for the progress line and the timeout message
    unreachable: bool = False  # the probe could not look at all (the index is down): back off


PROGRESS_EVERY = 60.0  # seconds between progress lines when stdout is no terminal


def progress_reporter(waiting_for: str, *, live: bool,
                      show: Callable[[str], None]) -> Callable[[float, int, list[str]], None]:
    """A wait's ``on_progress``: on a terminal (``live``) one line rewritten in place; in a log, a line
    now and then (every PROGRESS_EVERY seconds) through ``show``."""
    shown_at = -PROGRESS_EVERY

    def progress(elapsed: float, polls: int, missing: list[str]) -> None:
        nonlocal shown_at
        line = f"waiting for {waiting_for}: {elapsed:.0f}s, {polls} poll(s)" + (
            f", missing {', '.join(missing)}" if missing else ", all there")
        if live:
            print("\r" + line.ljust(100), end="" if missing else "\n", flush=True)
        elif missing and elapsed - shown_at >= PROGRESS_EVERY:
            shown_at = elapsed
            show(line)

    return progress


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
    """Call ``probe`` until it reports done; returns the number of polls; raises WaitTimeout
    naming what never appeared.

    A probe starts every ``interval`` seconds (its own time counts toward the interval), so
    what appears is seen within one interval, however long the wait has gone on: an index lags
    for minutes, and a growing interval would add that much again. Only while the probe cannot
    reach what it reads does the interval grow by 1.5x per poll, up to ``max_interval``.
    """
    start = now()
    polls = 0
    backoff = interval
    while True:
        began = now()
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
        if result.unreachable:
            period, backoff = backoff, min(backoff * 1.5, max_interval)
        else:
            period, backoff = interval, interval
        sleep(max(0.0, min(began + period - now(), start + timeout - now())))
