"""A one-line progress display for long fits, fed by :data:`glassboost.booster.progress_callback`.

Bags finish on worker threads, in any order; the display counts finished bags per stage and
rewrites a single carriage-return line on stderr. It only draws on a terminal, so logs and pipes
stay clean.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from contextlib import contextmanager
from typing import Iterator, TextIO

from .booster import BagProgress, progress_callback


class ProgressLine:
    """Callable receiving BagProgress; redraws one line with the stage's finished-bag count."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        self._done: Counter[str] = Counter()
        self._width = 0

    def __call__(self, progress: BagProgress) -> None:
        with self._lock:
            self._done[progress.stage] += 1
            self.draw(
                f"{progress.stage}: {self._done[progress.stage]}/{progress.n_bags} bags done"
                f" | bag {progress.bag + 1}: best step {progress.best_step},"
                f" validation loss {progress.validation_loss:.6g}"
            )

    def draw(self, text: str) -> None:
        """Replace the current line with ``text``."""
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def close(self) -> None:
        """End the line so later output starts on a fresh one."""
        if self._width:
            self.stream.write("\n")
            self.stream.flush()


@contextmanager
def show_progress(quiet: bool = False, stream: TextIO | None = None) -> Iterator[None]:
    """Display fit progress inside the block, unless quiet or ``stream`` (stderr) is no terminal."""
    stream = sys.stderr if stream is None else stream
    if quiet or stream is None or not stream.isatty():
        yield
        return
    line = ProgressLine(stream)
    line.draw("fitting: binning and boosting the first bags ...")
    token = progress_callback.set(line)
    try:
        yield
    finally:
        progress_callback.reset(token)
        line.close()
