"""/engagements/{id}/evidence: the evidence register (indicators charted against their
benchmarks), what each piece is linked to; create, edit, delete, link and unlink."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.api.deps import PathId
from app.db import DbSession
from app.models import Engagement, User
from app.reports import charts
from app.schemas.evidence import EvidenceCreate, EvidenceRead, EvidenceUpdate, LinkCreate
from app.services import bottlenecks as bottleneck_service
from app.services import challenges as challenge_service
from app.services import evidence as service
from app.services.errors import AppError
from app.vocab import DIRECTION_LABELS, Direction, EvidenceKind, Relation
from app.web import editing, forms
from app.web.deps import DiagnosisEdit, DiagnosisPage, PageUser, Templates
from app.web.forms import Form, FormState
from app.web.pages.diagnosis_common import (
    ALL,
    all_evidence,
    all_recommendation_codes,
    workspace,
)
from app.web.templating import Pages

router = APIRouter(include_in_schema=False)

EVIDENCE_FIELDS = (
    "kind",
    "title",
    "source",
    "published_on",
    "url",
    "excerpt",
    "indicator_name",
    "indicator_value",
    "indicator_unit",
    "indicator_year",
    "benchmark_value",
    "benchmark_label",
    "indicator_direction",
)
LINK_FIELDS = ("target", "relation", "note")


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1e6 else f"{value:,.6g}"


def _quantity(value: float, unit: str | None) -> str:
    return f"{_number(value)} {unit or ''}".strip()


def indicator_chart(item: EvidenceRead) -> dict[str, Any] | None:
    """An indicator's value against its benchmark: the reports' chart and its data."""
    if item.indicator_value is None:
        return None
    name = item.indicator_name or item.title
    bar = charts.IndicatorBar(
        name,
        item.indicator_value,
        item.indicator_unit or "",
        item.benchmark_value,
        item.benchmark_label or "",
        None if item.indicator_direction is None else item.indicator_direction == Direction.HIGHER,
    )
    title = f"{name}, {item.indicator_year}" if item.indicator_year else name
    benchmark = "None given"
    if item.benchmark_value is not None:
        benchmark = _quantity(item.benchmark_value, item.indicator_unit)
        benchmark = f"{item.benchmark_label or 'Benchmark'}: {benchmark}"
    return {
        "svg": charts.indicator_chart([bar], title=title),
        "caption": f"{title} against its benchmark",
        "head": ["Indicator", "Year", "Value", "Benchmark"],
        "rows": [
            (
                name,
                item.indicator_year or "",
                _quantity(item.indicator_value, item.indicator_unit),
                benchmark,
            )
        ],
    }


def _targets(session: Session, user: User, engagement_id: int) -> dict[str, tuple[str, str, str]]:
    """{"bottleneck:12": (kind, name, page address)}: what evidence may be linked to."""
    base = f"/engagements/{engagement_id}"
    challenges, _ = challenge_service.list_challenges(session, engagement_id, limit=ALL, offset=0)
    bottlenecks, _ = bottleneck_service.list_bottlenecks(
        session,
        engagement_id,
        status=None,
        framework_condition=None,
        challenge_id=None,
        limit=ALL,
        offset=0,
    )
    found = {
        f"challenge:{c.id}": ("Challenge", c.title, f"{base}/diagnosis#challenge-{c.id}")
        for c in challenges
    }
    for b in bottlenecks:
        found[f"bottleneck:{b.id}"] = ("Bottleneck", b.title, f"{base}/diagnosis#bottleneck-{b.id}")
    for rid, name in all_recommendation_codes(session, user, engagement_id).items():
        address = f"{base}/recommendations#recommendation-{rid}"
        found[f"recommendation:{rid}"] = ("Recommendation", name, address)
    return found


def _page(
    request: Request,
    session: Session,
    user: User,
    engagement: Engagement,
    pages: Pages,
    *,
    link_form: tuple[int, FormState] | None = None,
    status_code: int = 200,
) -> Response:
    items = all_evidence(session, engagement.id)
    context = {
        **workspace(session, user, engagement),
        "items": items,
        "charts": {e.id: indicator_chart(e) for e in items},
        "targets": _targets(session, user, engagement.id),
        "relations": forms.options(Relation),
        "link_form": link_form or (0, FormState()),
    }
    return pages.render(request, "evidence/page.html", context, status_code=status_code)


@router.get("/engagements/{engagement_id}/evidence")
def evidence_page(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisPage,
    pages: Templates,
) -> Response:
    """The evidence register, with what each piece is linked to."""
    return _page(request, session, user, engagement, pages)


def _to_register(
    request: Request, pages: Pages, engagement_id: int, anchor: str, flash: str
) -> Response:
    url = f"/engagements/{engagement_id}/evidence" + (f"#{anchor}" if anchor else "")
    return pages.redirect(request, url, flash=flash)


# -- evidence ------------------------------------------------------------------------------------


def _form(
    request: Request,
    session: Session,
    user: User,
    engagement: Engagement,
    pages: Pages,
    form: FormState,
    *,
    evidence_id: int | None = None,
    status_code: int = 200,
) -> Response:
    base = f"/engagements/{engagement.id}/evidence"
    context = {
        **workspace(session, user, engagement),
        "form": form,
        "editing": evidence_id is not None,
        "action": f"{base}/{evidence_id}/edit" if evidence_id else base,
        "kinds": forms.options(EvidenceKind),
        "directions": [(d.value, DIRECTION_LABELS[d]) for d in Direction],
    }
    return pages.render(request, "evidence/form.html", context, status_code=status_code)


@router.get("/engagements/{engagement_id}/evidence/new")
def new_evidence(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    pages: Templates,
) -> Response:
    """The form that adds evidence."""
    return _form(request, session, user, engagement, pages, FormState())


@router.post("/engagements/{engagement_id}/evidence")
def create_evidence(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    pages: Templates,
    form: Form,
) -> Response:
    """Add evidence, as POST /api/v1/engagements/{id}/evidence does."""
    return editing.create(
        session,
        form,
        EvidenceCreate,
        lambda body: service.create(session, engagement.id, body),
        show=lambda state, status_code: _form(
            request, session, user, engagement, pages, state, status_code=status_code
        ),
        done=lambda made: _to_register(
            request, pages, engagement.id, f"evidence-{made.id}", "Evidence added."
        ),
        beside=EVIDENCE_FIELDS,
    )


@router.get("/engagements/{engagement_id}/evidence/{evidence_id}/edit")
def edit_evidence(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    evidence_id: PathId,
    pages: Templates,
) -> Response:
    """The form that changes a piece of evidence (based on its current version)."""
    evidence = service.get(session, engagement.id, evidence_id)
    form = FormState.of(forms.snapshot(evidence, EVIDENCE_FIELDS), version=evidence.version)
    return _form(request, session, user, engagement, pages, form, evidence_id=evidence_id)


@router.post("/engagements/{engagement_id}/evidence/{evidence_id}/edit")
def update_evidence(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    evidence_id: PathId,
    pages: Templates,
    form: Form,
) -> Response:
    """Change evidence, unless it changed since the form was opened (then show what did)."""
    evidence = service.get(session, engagement.id, evidence_id)
    return editing.edit(
        session,
        form,
        evidence,
        EvidenceUpdate,
        EVIDENCE_FIELDS,
        lambda body: service.update(session, evidence, body),
        show=lambda state, status_code: _form(request, session, user, engagement, pages, state,
                                              evidence_id=evidence_id, status_code=status_code),
        done=lambda: _to_register(
            request, pages, engagement.id, f"evidence-{evidence_id}", "Evidence saved."
        ),
        beside=EVIDENCE_FIELDS,
    )  # fmt: skip


@router.post("/engagements/{engagement_id}/evidence/{evidence_id}/delete")
def delete_evidence(
    request: Request,
    engagement: DiagnosisEdit,
    session: DbSession,
    evidence_id: PathId,
    pages: Templates,
) -> Response:
    """Delete a piece of evidence and its links."""
    service.delete(session, service.get(session, engagement.id, evidence_id))
    return _to_register(request, pages, engagement.id, "", "Evidence deleted.")


# -- links ---------------------------------------------------------------------------------------


def _link_body(form: FormData) -> tuple[LinkCreate | None, FormState]:
    """The link form (its target as "bottleneck:12") as the API's LinkCreate."""
    state = FormState.submitted(form)
    target_type, _, target_id = state.value("target").partition(":")
    fields = {
        "target_type": target_type,
        "target_id": target_id,
        "relation": state.value("relation"),
        "note": state.value("note"),
    }
    body, parsed = forms.parse(LinkCreate, FormData(list(fields.items())))
    for name, message in parsed.errors.items():
        if name.startswith("target"):
            message = "Choose the challenge, bottleneck or recommendation to link to"
        state.add_error(name if name in LINK_FIELDS else "target", message)
    return body, state


@router.post("/engagements/{engagement_id}/evidence/{evidence_id}/links")
def link_evidence(
    request: Request,
    session: DbSession,
    user: PageUser,
    engagement: DiagnosisEdit,
    evidence_id: PathId,
    pages: Templates,
    form: Form,
) -> Response:
    """Link the evidence to a challenge, bottleneck or recommendation of this engagement."""
    evidence = service.get(session, engagement.id, evidence_id)
    body, state = _link_body(form)
    status_code = 422
    if body is not None:
        try:
            service.link(session, evidence, body)
        except AppError as exc:
            session.rollback()
            state.add_error("target", exc.detail)
            status_code = exc.status_code
        else:
            anchor = f"evidence-{evidence_id}"
            return _to_register(request, pages, engagement.id, anchor, "Evidence linked.")
    return _page(request, session, user, engagement, pages,
                 link_form=(evidence_id, state), status_code=status_code)  # fmt: skip


@router.post("/engagements/{engagement_id}/evidence/{evidence_id}/links/{link_id}/delete")
def unlink_evidence(
    request: Request,
    session: DbSession,
    engagement: DiagnosisEdit,
    evidence_id: PathId,
    link_id: PathId,
    pages: Templates,
) -> Response:
    """Remove one link of the evidence."""
    service.unlink(session, service.get(session, engagement.id, evidence_id), link_id)
    return _to_register(request, pages, engagement.id, f"evidence-{evidence_id}", "Link removed.")
