"""A progress bar for an import, on a stream (stderr): a bar redrawn in place on a terminal,
otherwise a line at every tenth of the file, so that logs stay readable."""

import sys
import time
from typing import IO

_WIDTH = 30


class ByteProgress:
    """Called with (bytes read, total bytes); `close()` ends the bar's line."""

    def __init__(self, label: str, stream: IO[str] | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()
        self.next_tenth = 1
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        fraction = min(1.0, done / total) if total else 0.0
        if self.tty:
            filled = int(fraction * _WIDTH)
            bar = "#" * filled + "-" * (_WIDTH - filled)
            print(
                f"\r{self.label} [{bar}] {fraction:4.0%} {self._size(done, total)}",
                end="",
                file=self.stream,
                flush=True,
            )
            self.drawn = True
        elif total and fraction * 10 >= self.next_tenth:
            self.next_tenth = int(fraction * 10) + 1
            print(
                f"{self.label}: {fraction:.0%} {self._size(done, total)}",
                file=self.stream,
                flush=True,
            )

    def _size(self, done: int, total: int | None) -> str:
        elapsed = time.perf_counter() - self.started
        of = f" of {total / 1e6:.1f}" if total else ""
        return f"{done / 1e6:.1f}{of} MB, {elapsed:.1f} s"

    def close(self) -> None:
        if self.drawn:
            print(file=self.stream, flush=True)
