"""Render every kind of report of the demo portfolio, and the large briefing, to PDF and PNG
pages, to be looked at page by page (issue 14: proof by looking), with a contact sheet each.

    python scripts/report_pages.py [--out bench/out/report_pages] [--only wallonia,large]
        [--dpi 50] [--kinds policy_briefing,progress_report,assessment_report] [--published]

A fresh SQLite database under --out gets the demo data and the large engagement of
bench/report_render.py. Each report is rendered as a draft as of the demo's day, without
storing anything; a kind the engagement's phase refuses (a 409) is listed as such. Needs
pdftoppm (poppler-utils) and Pillow for the contact sheets.
"""

import argparse
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from PIL import Image  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.db import make_sessionmaker  # noqa: E402
from app.models import Engagement  # noqa: E402
from app.reports.render import render_html, render_pdf  # noqa: E402
from app.services.errors import Conflict  # noqa: E402
from app.services.reports import prepare_draft  # noqa: E402
from app.vocab import ReportKind  # noqa: E402


def contact_sheet(pages: list[Path], target: Path, columns: int = 6) -> None:
    images = [Image.open(p) for p in pages]
    width, height = images[0].size
    rows = (len(images) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * (width + 8) + 8, rows * (height + 8) + 8), "#9aa3ad")
    for n, image in enumerate(images):
        sheet.paste(image, (8 + (n % columns) * (width + 8), 8 + (n // columns) * (height + 8)))
    sheet.save(target, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "report_pages")
    parser.add_argument("--only", default="", help="reference or title parts, comma-separated")
    parser.add_argument("--kinds", default=",".join(k.value for k in ReportKind))
    parser.add_argument("--dpi", type=int, default=50)
    parser.add_argument(
        "--published", action="store_true", help="render as published versions (no watermark)"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the database")
    parser.add_argument("--html", action="store_true", help="write the HTML beside each PDF")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    import report_render  # bench/report_render.py: the demo and the large engagement
    from _common import make_engine, reset_database

    db_path = args.out / "report_pages_bench.db"
    url = f"sqlite:///{db_path}"
    if db_path.exists() and not args.rebuild:
        engine = make_engine(url)
    else:
        engine = reset_database(url)
        report_render.build_data(engine)
    wanted = [w.lower() for w in args.only.split(",") if w]
    kinds = [ReportKind(k) for k in args.kinds.split(",") if k]
    with make_sessionmaker(engine)() as session:
        engagements = session.scalars(select(Engagement).order_by(Engagement.reference)).all()
        for engagement in engagements:
            name = f"{engagement.reference} {engagement.title}".lower()
            if wanted and not any(w in name for w in wanted):
                continue
            for kind in kinds:
                stem = f"{engagement.reference}-{kind.value}".replace("/", "_")
                try:
                    view = prepare_draft(session, engagement, kind=kind, language="en", author=None)
                except Conflict as refused:
                    print(f"{stem}: refused: {refused}")
                    continue
                if args.published:
                    view = replace(view, status="published", published_on=view.as_of)
                html = render_html(view)
                if args.html:
                    (args.out / f"{stem}.html").write_text(html)
                rendered = render_pdf(view, html=html)
                pdf = args.out / f"{stem}.pdf"
                pdf.write_bytes(rendered.pdf)
                for old in args.out.glob(f"{stem}-page-*.png"):
                    old.unlink()
                prefix = str(args.out / f"{stem}-page")
                subprocess.run(
                    ["pdftoppm", "-r", str(args.dpi), "-png", str(pdf), prefix], check=True
                )
                pages = sorted(args.out.glob(f"{stem}-page-*.png"))
                contact_sheet(pages, args.out / f"{stem}-sheet.png")
                print(f"{stem}: {rendered.page_count} pages -> {stem}-sheet.png")
            session.rollback()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
