"""Long work says how far it is and how long the rest should take."""

from __future__ import annotations

from bot.progress import PROGRESS_LINE, Progress, duration


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_lines_come_at_most_every_interval_with_the_time_left_from_the_pace() -> None:
    clock, said = Clock(), []
    progress = Progress("training (4 epochs)", 100, said.append, every=10, clock=clock)
    for _ in range(10):  # 10 steps in 5 s: too soon for a line
        clock.now += 0.5
        progress.advance()
    assert said == []
    for _ in range(30):  # 40 steps in 20 s
        clock.now += 0.5
        progress.advance()
    assert said == [
        "training (4 epochs): 20% done, 10s so far, about 40s left",
        "training (4 epochs): 40% done, 20s so far, about 30s left",
    ]
    assert all(PROGRESS_LINE.search(line) for line in said)
    clock.now = 125
    progress.advance(60)
    progress.finish()
    assert said[-1] == "training (4 epochs): done in 2m 05s"
    assert not PROGRESS_LINE.search(said[-1])


def test_progress_durations_read_naturally() -> None:
    assert [duration(s) for s in (0, 42.4, 185, 3725)] == ["0s", "42s", "3m 05s", "1h 02m"]
