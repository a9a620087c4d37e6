"""/datasets: the public statistics imported (every signed-in user reads them, as GET
/api/v1/datasets and /api/v1/indicators), and for consultants and admins a form that imports a
file with its mapping (POST /datasets/import), through the import service the CLI uses. The
report (rows read, kept, skipped with reasons) or the error with its line number is shown on the
page; a failed import keeps nothing. Uploads are bounded by the app's request body limit
(`CLUSTERCASE_MAX_BODY_BYTES`); larger files go through `clustercase data import`."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.db import DbSession
from app.models import User
from app.services import datasets as service
from app.services.statistics_import import ImportFailed, ImportReport, import_file, read_mapping
from app.statistics.formats import Format
from app.vocab import Role
from app.web.deps import PageUser, StaffPage, Templates
from app.web.forms import FORM_ERROR, Form, FormState
from app.web.templating import Pages

router = APIRouter(include_in_schema=False)

FORMATS = [
    (Format.EUROSTAT_TSV.value, "Eurostat TSV (bulk download)"),
    (Format.SDMX_CSV.value, "SDMX-CSV"),
    (Format.CSV.value, "Plain CSV (indicator, geo, year, value, flag)"),
]


def _render(
    request: Request,
    session: Session,
    pages: Pages,
    user: User,
    *,
    form: FormState | None = None,
    report: ImportReport | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "nav": "statistics",
        "datasets": service.overview(session),
        "can_import": user.role in (Role.CONSULTANT, Role.ADMIN),
        "formats": FORMATS,
        "form": form or FormState.of({"format": Format.EUROSTAT_TSV.value}),
        "report": report,
    }
    return pages.render(request, "statistics/datasets.html", context, status_code=status_code)


@router.get("/datasets")
def datasets(request: Request, session: DbSession, user: PageUser, pages: Templates) -> Response:
    """The datasets and their indicators, with licence and attribution; the import form for
    consultants and admins."""
    return _render(request, session, pages, user)


@router.post("/datasets/import")
def import_dataset(
    request: Request, session: DbSession, user: StaffPage, pages: Templates, form: Form
) -> Response:
    """Import a file with its mapping, as `clustercase data import` does; show the report."""
    state = FormState.submitted(form)
    upload, mapping_file = form.get("file"), form.get("mapping")
    fmt = form.get("format")
    if not isinstance(upload, UploadFile) or not upload.filename:
        state.add_error("file", "Choose the file to import")
    if fmt not in {value for value, _ in FORMATS}:
        state.add_error("format", "Choose the file's format")
    if not isinstance(mapping_file, UploadFile) or not mapping_file.filename:
        state.add_error("mapping", "Choose the mapping file (TOML)")
    if state.errors:
        return _render(request, session, pages, user, form=state, status_code=422)
    assert isinstance(upload, UploadFile) and isinstance(mapping_file, UploadFile)
    try:
        text = mapping_file.file.read().decode("utf-8")
    except UnicodeDecodeError:
        state.add_error("mapping", "The mapping file is not UTF-8 text")
        return _render(request, session, pages, user, form=state, status_code=422)
    try:
        report = import_file(
            session,
            upload.file,
            fmt=Format(str(fmt)),
            mapping=read_mapping(text),
            total_bytes=upload.size,
        )
    except ImportFailed as exc:
        session.rollback()  # nothing of the file is kept (the service's savepoint is undone)
        field = "mapping" if exc.detail.startswith("mapping:") else FORM_ERROR
        state.add_error(field, f"Nothing was imported. {upload.filename}: {exc.detail}")
        return _render(request, session, pages, user, form=state, status_code=422)
    return _render(request, session, pages, user, form=state, report=report)
