"""Render time per page of two checkouts of ClusterCase, side by side in one run: the Wallonia
briefing and the large briefing of bench/report_render.py, rendered as the server renders them (in
a render worker process), one render at a time, alternating between the checkouts so that the
machine's load and its drift fall on both alike.

    git worktree add /tmp/cc-before <commit>
    python bench/report_compare.py --before /tmp/cc-before --after . [--rounds 15]

REPORT_COMPARE_VARIANT=pdf/a-3b renders both with that PDF variant (the cost of tagging apart).

One server process per checkout (`--serve`, run in that checkout) builds its own SQLite database
with that checkout's migrations and demo data, prepares both briefings' view-models, and starts a
worker as that checkout's render pool starts its workers (spawned, with the pool's own
initializer, `app.reports.pool._start_worker`), which renders each briefing once to warm up.
Then each round renders each briefing once in each checkout, in an order shuffled per round,
and takes the CPU time of the pool's task (`render_in_worker`, or `render_pdf` in a checkout
without it; HTML included) inside the worker. The summary gives, per
briefing, the median time per page of each checkout, their ratio (after / before) and the
median of the rounds' own ratios.
"""

import argparse
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

SUBJECTS = {"demo": "EOCIC-2018-BE3", "large": "EOCIC-2020-DED"}


def serve() -> None:
    """In a checkout: build its data, start its render worker, then render on request: a
    subject's name per line on stdin, its CPU time and pages as one JSON line on stdout."""
    root = Path.cwd()
    sys.path[:0] = [str(root), str(root / "bench")]
    import report_render  # the checkout's own bench module: demo data and the large engagement
    from _common import reset_database
    from sqlalchemy import select

    from app.db import make_sessionmaker
    from app.models import Engagement
    from app.reports import pool
    from app.services.reports import prepare_draft
    from app.vocab import ReportKind

    views = {}
    with tempfile.TemporaryDirectory() as directory:
        engine = reset_database(f"sqlite:///{directory}/compare_bench.db")
        report_render.build_data(engine)
        with make_sessionmaker(engine)() as session:
            for name, reference in SUBJECTS.items():
                engagement = session.scalars(
                    select(Engagement).where(Engagement.reference == reference)
                ).one()
                views[name] = prepare_draft(
                    session, engagement, kind=ReportKind.POLICY_BRIEFING, language="en",
                    author=None,
                )  # fmt: skip
    # As app.reports.pool.RenderPool starts its workers: spawned, with the pool's initializer.
    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=pool._start_worker,
        initargs=(os.getpid(),),
    ) as executor:
        executor.submit(_load, views).result()
        print("ready", flush=True)
        for line in sys.stdin:
            print(json.dumps(executor.submit(_render, line.strip()).result()), flush=True)


_VIEWS: dict[str, Any] = {}


def _load(views: dict[str, Any]) -> None:
    """In the render worker: keep the view-models and render each once (fonts, stylesheet)."""
    from app.reports import render

    if os.environ.get("REPORT_COMPARE_VARIANT"):  # e.g. pdf/a-3b: the cost of tagging apart
        render.PDF_VARIANT = os.environ["REPORT_COMPARE_VARIANT"]
    _VIEWS.update(views)
    for name in views:
        _render(name)


def _render(name: str) -> dict[str, float]:
    """In the render worker: one render of a subject, as the pool's task renders it (the
    checkout's `pool.render_in_worker` where it has one, else `render_pdf`)."""
    from app.reports import pool
    from app.reports.render import render_pdf

    task = getattr(pool, "render_in_worker", render_pdf)
    start = time.process_time()
    rendered = task(_VIEWS[name])
    return {"cpu_s": time.process_time() - start, "pages": rendered.page_count}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path)
    parser.add_argument("--after", type=Path, default=Path("."))
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0
    if args.before is None:
        parser.error("--before is required")
    servers = {
        side: _start_server(tree) for side, tree in (("before", args.before), ("after", args.after))
    }
    try:
        for server in servers.values():
            _read(server)  # "ready"
        runs: dict[tuple[str, str], list[float]] = {}
        pages: dict[tuple[str, str], int] = {}
        for round_ in range(args.rounds):
            jobs = [(side, name) for side in servers for name in SUBJECTS]
            random.shuffle(jobs)
            for side, name in jobs:
                server = servers[side]
                assert server.stdin is not None
                server.stdin.write(name + "\n")
                server.stdin.flush()
                result = json.loads(_read(server))
                pages[side, name] = int(result["pages"])
                runs.setdefault((side, name), []).append(result["cpu_s"] / result["pages"] * 1000)
            print(
                f"round {round_ + 1}: "
                + ", ".join(f"{side} {name} {runs[side, name][-1]:.1f}" for side, name in jobs),
                flush=True,
            )
    finally:
        for server in servers.values():
            if server.stdin is not None:
                server.stdin.close()
            server.wait(timeout=120)
    for name in SUBJECTS:
        before, after = runs["before", name], runs["after", name]
        ratios = [a / b for a, b in zip(after, before, strict=True)]
        print(
            f"{name}: before {statistics.median(before):.1f} ms a page "
            f"({pages['before', name]} pages), after {statistics.median(after):.1f} ms a page "
            f"({pages['after', name]} pages): "
            f"{statistics.median(after) / statistics.median(before):.3f}x "
            f"(rounds' own ratios: median {statistics.median(ratios):.3f}, "
            f"from {min(ratios):.3f} to {max(ratios):.3f})"
        )
    return 0


def _start_server(tree: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve"],
        cwd=tree.resolve(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


def _read(server: subprocess.Popen[str]) -> str:
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line:
        raise SystemExit(f"a checkout's server stopped (exit {server.wait()})")
    return line.strip()


if __name__ == "__main__":
    raise SystemExit(main())
