"""The poll loop with a fake clock: detection within one interval, a steady interval while the index
answers, backoff with a cap only while it cannot be reached, the timeout."""

from __future__ import annotations

import pytest

from releasekit.core.errors import WaitTimeout
from releasekit.core.waiting import Poll, wait_until


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []
        self.starts: list[float] = []  # when each probe began

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@pytest.mark.parametrize("available_at", [0.0, 0.1, 3.0, 7.7, 100.0], ids=lambda t: f"at-{t}s")
def test_found_within_one_poll_interval_of_appearing(available_at):
    clock = FakeClock()
    seen: list[float] = []

    def probe() -> Poll:
        seen.append(clock.t)
        return Poll(clock.t >= available_at, [] if clock.t >= available_at else ["pkg-1.0.tar.gz"])

    wait_until(probe, what="index", timeout=1000, interval=1, max_interval=5, sleep=clock.sleep, now=clock.now)
    found_at = seen[-1]
    assert found_at >= available_at
    assert found_at - available_at <= 1  # within one interval, however long the wait has gone on


def test_polls_start_one_interval_apart_while_the_index_answers():
    clock = FakeClock()

    def slow_probe() -> Poll:  # each look takes 0.3 s, which counts toward the interval
        clock.starts.append(clock.t)
        clock.t += 0.3
        return Poll(clock.t > 6, ["x"])

    wait_until(slow_probe, what="index", timeout=30, interval=1, max_interval=4, sleep=clock.sleep, now=clock.now)
    assert clock.starts == pytest.approx([0, 1, 2, 3, 4, 5, 6])
    assert clock.sleeps == pytest.approx([0.7] * 6)


def test_backoff_grows_by_half_up_to_the_cap_while_the_index_cannot_be_reached():
    clock = FakeClock()
    answers = iter([Poll(False, ["the index (refused)"], unreachable=True)] * 6 + [Poll(False, ["x"])] * 2)
    with pytest.raises(WaitTimeout):
        wait_until(lambda: next(answers), what="index", timeout=17.125, interval=1, max_interval=4,
                   sleep=clock.sleep, now=clock.now)
    assert clock.sleeps == [1, 1.5, 2.25, 3.375, 4, 4, 1]  # and back to the interval once it answers


def test_timeout_names_what_never_appeared_and_never_oversleeps():
    clock = FakeClock()
    with pytest.raises(WaitTimeout) as err:
        wait_until(lambda: Poll(False, ["pkg-1.0-py3-none-any.whl", "pkg-1.0.tar.gz"]), what="the index page",
                   timeout=10, interval=3, max_interval=60, sleep=clock.sleep, now=clock.now)
    assert "pkg-1.0-py3-none-any.whl" in err.value.message and "pkg-1.0.tar.gz" in err.value.message
    assert "after 10s" in err.value.message
    assert clock.t == 10  # the last sleep was cut to the deadline


def test_progress_reports_elapsed_polls_and_missing():
    clock = FakeClock()
    reports = []
    answers = iter([Poll(False, ["a", "b"]), Poll(False, ["b"]), Poll(True, [])])
    polls = wait_until(lambda: next(answers), what="x", timeout=100, interval=2, max_interval=2,
                       sleep=clock.sleep, now=clock.now, on_progress=lambda *r: reports.append(r))
    assert polls == 3
    assert reports == [(0.0, 1, ["a", "b"]), (2.0, 2, ["b"]), (4.0, 3, [])]


def test_progress_in_a_log_is_a_line_now_and_then(capsys):
    from releasekit.core.waiting import PROGRESS_EVERY, progress_reporter

    shown: list[str] = []
    progress = progress_reporter("pkg 1.0", live=False, show=shown.append)
    for elapsed in (0.0, 5.0, PROGRESS_EVERY + 1, PROGRESS_EVERY + 2):
        progress(elapsed, 1, ["pkg-1.0.tar.gz"])
    progress(PROGRESS_EVERY * 3, 9, [])  # all there: nothing more to say in a log
    assert shown == ["waiting for pkg 1.0: 0s, 1 poll(s), missing pkg-1.0.tar.gz",
                     f"waiting for pkg 1.0: {PROGRESS_EVERY + 1:.0f}s, 1 poll(s), missing pkg-1.0.tar.gz"]
    assert capsys.readouterr().out == ""
    live = progress_reporter("pkg 1.0", live=True, show=shown.append)
    live(3.0, 2, [])
    assert capsys.readouterr().out.endswith("waiting for pkg 1.0: 3s, 2 poll(s), all there".ljust(100) + "\n")
