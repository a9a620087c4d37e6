"""Server processes pin themselves to distinct cores; the processes they start get every core
back. Run in child processes, so that the test runner itself is never pinned."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CLAIM = """
import os, sys, time
from app import affinity
cpu = affinity.pin_to_one_cpu()
print(cpu, sorted(os.sched_getaffinity(0)), flush=True)
sys.stdin.read()  # hold the claim until the test lets go
"""

CHILD = """
import os
from app import affinity
affinity.pin_to_one_cpu()
before = sorted(os.sched_getaffinity(0))
affinity.release_children()
print(before, sorted(os.sched_getaffinity(0)))
"""


def _run(code: str, lock_dir: Path, **kwargs: object) -> subprocess.Popen[str]:
    env = os.environ | {"TMPDIR": str(lock_dir)}
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def test_two_processes_take_two_different_cores() -> None:
    allowed = sorted(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as lock_dir:
        first, second = (
            _run(CLAIM, Path(lock_dir), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            for _ in range(2)
        )
        lines = [p.stdout.readline().split(" ", 1) for p in (first, second)]  # type: ignore[union-attr]
        for process in (first, second):
            process.communicate("")
    cpus = [line[0] for line in lines]
    if len(allowed) < 2:
        assert cpus == ["None", "None"]  # nothing to choose from: left alone
        return
    assert cpus[0] != cpus[1]
    assert {int(c) for c in cpus} <= set(allowed)
    assert [line[1].strip() for line in lines] == [f"[{c}]" for c in cpus]


def test_a_pinned_process_gives_its_children_every_core() -> None:
    allowed = sorted(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as lock_dir:
        out, _ = _run(CHILD, Path(lock_dir), stdout=subprocess.PIPE).communicate()
    before, after = out.strip().split("] [")
    assert after.rstrip("]") == ", ".join(map(str, allowed))
    if len(allowed) >= 2:
        assert before.lstrip("[").count(",") == 0  # it was pinned to one core
