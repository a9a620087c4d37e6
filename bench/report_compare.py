"""Render time per page of two checkouts of ClusterCase, side by side in one run: the Wallonia
briefing and the large briefing of bench/report_render.py, rendered as the server renders them (in
a render worker process), alternating between the checkouts so that the machine's load falls on
both.

    git worktree add /tmp/cc-before <commit>
    python bench/report_compare.py --before /tmp/cc-before --after . [--rounds 3] [--repeat 5]

REPORT_COMPARE_VARIANT=pdf/a-3b renders both with that PDF variant (the cost of tagging apart).

Each round runs one child process per checkout (`--child`): it builds its own SQLite database
with that checkout's migrations and demo data and prepares both briefings' view-models; then a
worker process started as that checkout's render pool starts its workers (spawned, with the
pool's own initializer, `app.reports.pool._start_worker`) renders each briefing `--repeat` times
(`render_pdf`, after one warm-up render) and reports the median CPU time per page. The summary
gives, per briefing, the median over rounds and the ratio after / before.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

SUBJECTS = {"demo": "EOCIC-2018-BE3", "large": "EOCIC-2020-DED"}


def child(repeat: int) -> None:
    root = Path.cwd()
    sys.path[:0] = [str(root), str(root / "bench")]
    import report_render  # the checkout's own bench module: demo data and the large engagement
    from _common import reset_database
    from sqlalchemy import select

    from app.db import make_sessionmaker
    from app.models import Engagement
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
                view = prepare_draft(
                    session, engagement, kind=ReportKind.POLICY_BRIEFING, language="en",
                    author=None,
                )  # fmt: skip
                views[name] = view
    # As app.reports.pool.RenderPool starts its workers: spawned, with the pool's initializer.
    from app.reports import pool

    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=pool._start_worker,
        initargs=(os.getpid(),),
    ) as executor:
        result = executor.submit(_time_renders, views, repeat).result()
    print(json.dumps(result))


def _time_renders(views: dict[str, Any], repeat: int) -> dict[str, dict[str, float]]:
    """In the render worker: CPU time per page of each view, median of `repeat` renders."""
    from app.reports import render
    from app.reports.render import render_html, render_pdf

    if os.environ.get("REPORT_COMPARE_VARIANT"):  # e.g. pdf/a-3b: the cost of tagging apart
        render.PDF_VARIANT = os.environ["REPORT_COMPARE_VARIANT"]
    result = {}
    for name, view in views.items():
        render_pdf(view, html=render_html(view))  # warm-up: fonts, stylesheet
        times, pages = [], 0
        for _ in range(repeat):
            start = time.process_time()
            rendered = render_pdf(view, html=render_html(view))
            times.append(time.process_time() - start)
            pages = rendered.page_count
        result[name] = {"ms_per_page": statistics.median(times) / pages * 1000, "pages": pages}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path)
    parser.add_argument("--after", type=Path, default=Path("."))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.repeat)
        return 0
    if args.before is None:
        parser.error("--before is required")
    runs: dict[str, list[dict[str, dict[str, float]]]] = {"before": [], "after": []}
    for round_ in range(args.rounds):
        order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
        for side in order:
            tree = (args.before if side == "before" else args.after).resolve()
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child", "--repeat",
                 str(args.repeat)],
                cwd=tree, check=True, capture_output=True, text=True,
            )  # fmt: skip
            runs[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"round {round_ + 1} {side}: {runs[side][-1]}", flush=True)
    for name in SUBJECTS:
        before = statistics.median(r[name]["ms_per_page"] for r in runs["before"])
        after = statistics.median(r[name]["ms_per_page"] for r in runs["after"])
        pages = (runs["before"][0][name]["pages"], runs["after"][0][name]["pages"])
        print(
            f"{name}: before {before:.1f} ms a page ({pages[0]} pages), "
            f"after {after:.1f} ms a page ({pages[1]} pages): {after / before:.3f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
