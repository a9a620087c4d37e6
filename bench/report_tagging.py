"""Render time per page of the tagged PDF (issue 14, part 4) against the untagged one it replaced,
measured in one run: the demo policy briefing (Wallonia, a draft) and the large briefing.

    python bench/report_tagging.py [--repeat 7] [--database-url URL]

Variants, interleaved (in a shuffled order each round) so that each sees the same load of the
machine:

- before: PDF/A-3b, untagged, the watermark as text behind the content (what render_pdf did);
- a-3b + image watermark: the same, with today's watermark (an image over the content);
- a-3a (render_pdf): tagged PDF/A-3a, the watermark image, and the accessibility finisher;
- ua-1: the same with WeasyPrint's "pdf/ua-1" variant instead (tagged, not PDF/A).

Each is render_pdf's own code path (HTML already built, JSON attachment included). Prints the
median wall and CPU time per page and each variant's ratio to "before"; the goal is the issue's
(render time per page within 10 % of before). The database is built as bench/report_render.py
builds it (default: bench/out/report_bench.db, dropped and rebuilt). Exit status: 0 when the goal
is met, 1 when it is missed, 2 when the benchmark could not run.
"""

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.reports import render  # noqa: E402
from app.reports.viewmodel import ReportView  # noqa: E402
from bench._common import add_bounded, parse_bounded, reset_database, run  # noqa: E402
from bench.report_render import (  # noqa: E402
    DEMO_REFERENCE,
    LARGE_REFERENCE,
    Subject,
    build_data,
    load_views,
)

GOAL = 1.10  # tagged render time per page / untagged, at most
# The watermark as it was before: real text, fixed, behind the content.
TEXT_WATERMARK_CSS = """
.watermark { position: fixed; top: 105mm; left: -10mm; right: auto; bottom: auto; width: 190mm;
             text-align: center; transform: rotate(-38deg); font-size: 110pt; font-weight: bold;
             letter-spacing: 6mm; color: rgba(31, 58, 95, 0.09); z-index: -1; background: none; }
"""
WATERMARK_DIV = '<div class="watermark" aria-hidden="true"></div>'


def _render(view: ReportView, html: str, variant: str, *, finisher: bool) -> int:
    """render_pdf with its variant swapped, and without its finisher; returns the page count."""
    saved = render.PDF_VARIANT, render._finish_accessibility
    try:
        render.PDF_VARIANT = variant
        if not finisher:
            render._finish_accessibility = lambda document, pdf: None
        return render.render_pdf(view, html=html).page_count
    finally:
        render.PDF_VARIANT, render._finish_accessibility = saved


def variants(s: Subject) -> dict[str, Callable[[], int]]:
    assert s.view is not None and WATERMARK_DIV in s.html, "the briefing must be a draft"
    view, html = s.view, s.html
    before = html.replace(WATERMARK_DIV, WATERMARK_DIV.replace("></div>", ">DRAFT</div>"))
    before = before.replace("</head>", f"<style>{TEXT_WATERMARK_CSS}</style></head>", 1)
    return {
        "before: a-3b, text watermark": lambda: _render(view, before, "pdf/a-3b", finisher=False),
        "a-3b, image watermark": lambda: _render(view, html, "pdf/a-3b", finisher=False),
        "a-3a, tagged (render_pdf)": lambda: _render(view, html, render.PDF_VARIANT, finisher=True),
        "ua-1, tagged": lambda: _render(view, html, "pdf/ua-1", finisher=True),
    }


def benchmark(args: argparse.Namespace, url: str) -> bool:
    print("building the database: demo portfolio, large engagement", flush=True)
    engine = reset_database(url)
    build_data(engine)
    subjects = [Subject("demo", DEMO_REFERENCE), Subject("large", LARGE_REFERENCE)]
    load_views(engine, subjects)
    engine.dispose()
    met = True
    for s in subjects:
        runs = variants(s)
        wall: dict[str, list[float]] = {name: [] for name in runs}
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        pages: dict[str, int] = {}
        shuffle = random.Random(2026)
        for fn in runs.values():  # warm-up, untimed
            fn()
        for n in range(1, args.repeat + 1):
            print(f"  {s.name}: run {n}/{args.repeat}", flush=True)
            order = list(runs.items())
            shuffle.shuffle(order)  # no variant always runs first, or right after another
            for name, fn in order:
                started, started_cpu = time.perf_counter(), time.process_time()
                pages[name] = fn()
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - started_cpu)
        base = next(iter(runs))
        print(f"\n{s.name} briefing ({s.reference}), median of {args.repeat}")
        head = ("variant", "pages", "wall/page", "cpu/page", "wall", "cpu")
        print("  {:32} {:>5} {:>10} {:>10} {:>6} {:>6}".format(*head))
        per_page = {
            name: (statistics.median(wall[name]) / pages[name],
                   statistics.median(cpu[name]) / pages[name])
            for name in runs
        }  # fmt: skip
        for name in runs:
            w, c = per_page[name]
            rw, rc = w / per_page[base][0], c / per_page[base][1]
            print(f"  {name:32} {pages[name]:>5} {w * 1000:>8.0f}ms {c * 1000:>8.0f}ms "
                  f"{rw:>6.2f} {rc:>6.2f}")  # fmt: skip
        ratio = per_page["a-3a, tagged (render_pdf)"][1] / per_page[base][1]
        ok = ratio <= GOAL
        met &= ok
        print(f"  a-3a / before, CPU per page (goal <= {GOAL:.2f}): {ratio:.2f}: "
              f"{'met' if ok else 'MISSED'}")  # fmt: skip
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    limits = {"repeat": (1, 20)}
    add_bounded(parser, {"repeat": 7}, limits)
    parser.add_argument("--database-url", help="a database whose name contains 'bench'")
    args = parse_bounded(parser, argv, limits)
    url = args.database_url or f"sqlite:///{ROOT / 'bench' / 'out' / 'report_tagging_bench.db'}"
    return run(lambda: benchmark(args, url))


if __name__ == "__main__":
    sys.exit(main())
