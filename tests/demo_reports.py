"""The demo portfolio as the report tests read it: seeded with stand-in PDFs for its own
published briefings (their bytes are not under test; a real render costs about a second), and
the view-models of its engagements built as of a fixed day."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement
from app.reports.render import RenderedPdf
from app.reports.viewmodel import ReportView
from app.seed import demo
from app.services.report_view import build_view
from app.vocab import ReportKind

AS_OF = date(2026, 6, 1)
WALLONIA = "EOCIC-2018-BE3"


def stand_in_render(view: ReportView) -> RenderedPdf:
    """In place of `render_pdf` for the demo's own published briefings."""
    return RenderedPdf(b"%PDF stand-in for the demo's briefing", 1, 0)


def seed_demo(db: Session) -> Session:
    demo.seed(db, render=stand_in_render)
    db.flush()
    return db


def engagement(db: Session, reference: str) -> Engagement:
    return db.scalars(select(Engagement).where(Engagement.reference == reference)).one()


def view(db: Session, engagement: Engagement, kind: ReportKind, as_of: date = AS_OF) -> ReportView:
    """A first version of `kind` for `engagement`, as of `as_of`, with no previous version."""
    return build_view(
        db, engagement, kind=kind, version_number=1, language="en", author="Test",
        as_of=as_of, previous=None,
    )  # fmt: skip
