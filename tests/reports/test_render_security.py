"""Hostile content: whatever users type, the renderer fetches nothing, attaches nothing and
links nowhere but what the app itself puts there.

Every user text field of an engagement is filled with attacks (resource links, attachments,
CSS url() and @import, javascript: URLs, ../ paths), pointing at a canary HTTP server on
loopback and at a secret file; the PDF is rendered and searched.
"""

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Engagement
from app.reports.render import (
    STATIC_DIR,
    ResourceRefused,
    StaticOnlyFetcher,
    render_html,
    render_pdf,
)
from app.services.reports import prepare_draft
from app.vocab import BottleneckStatus, EvidenceKind, ReportKind, Role, Stage
from tests.factories import (
    add_member,
    link_evidence,
    make_bottleneck,
    make_challenge,
    make_engagement,
    make_evidence,
    make_milestone,
    make_mission,
    make_partnership,
    make_recommendation,
    make_user,
)
from tests.pdf_tools import attachments, link_uris, pdf_text, qpdf_problems

SECRET = "canary-secret-7f3a9b"


class Canary:
    """A loopback HTTP server that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canary.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { background: red }")

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    yield server
    server.close()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def attacks(canary: Canary, secret: Path) -> list[str]:
    return [
        f'<link rel="attachment" href="file://{secret}">',
        "<link rel=attachment href=file:///etc/passwd>",
        f'<img src="{canary.url}/img">',
        f'<link rel="stylesheet" href="{canary.url}/css">',
        f'<style>@import url("{canary.url}/import");'
        f" body {{ background: url({canary.url}/bg) }}</style>",
        f'<div style="background-image: url({canary.url}/inline)">x</div>',
        f"url({canary.url}/bare) @import '{canary.url}/bare-import';",
        f'<object data="file://{secret}"></object><iframe src="{canary.url}/frame"></iframe>',
        '<a href="javascript:alert(1)">click</a>',
        f"../../../../{secret}",
        f'<svg><image href="{canary.url}/svg"/></svg>',
        f'"><embed src="file://{secret}">',
    ]


def hostile_engagement(db: Session, canary: Canary, secret: Path) -> Engagement:
    bad = attacks(canary, secret)

    def text(i: int) -> str:
        return f"Text {i}: {bad[i % len(bad)]} {bad[(i + 5) % len(bad)]}"

    escp = make_partnership(
        db,
        name=text(1),
        coordinator=text(2),
        notes=text(3),
        sectors=[text(4)],
        countries=["BE"],
        website=f"{canary.url}/site",
    )
    lead = make_user(db, role=Role.CONSULTANT, full_name=text(5))
    engagement = make_engagement(
        db,
        region_id=None,
        partnership_id=escp.id,
        kind="partnership_support",
        title=text(6),
        summary=text(7),
        lead_consultant_id=lead.id,
    )
    add_member(db, engagement, lead)
    challenge = make_challenge(db, engagement, title=text(8), description=text(9))
    bottleneck = make_bottleneck(
        db,
        engagement,
        challenge_id=challenge.id,
        title=text(10),
        description=text(11),
        status=BottleneckStatus.CONFIRMED,
    )
    # The database refuses non-http(s) URLs (CHECK ck_evidence_url_scheme): hostile http ones.
    for i, url in enumerate(
        [
            f"{canary.url}/evidence",
            f'{canary.url}/x"><img src="{canary.url}/y">',
            "https://example.org/../../etc/passwd",
            f"{canary.url}/{bad[0]}",
        ]
    ):
        evidence = make_evidence(
            db,
            engagement,
            kind=EvidenceKind.INDICATOR,
            title=text(12 + i),
            url=url,
            source=text(16 + i),
            excerpt=text(20 + i),
            indicator_name=text(24 + i),
            indicator_value=1.5,
            indicator_unit=text(1)[:50],
            benchmark_value=2.0,
            benchmark_label=text(2)[:200],
            published_on=date(2018, 5, 1),
        )
        link_evidence(db, evidence, bottleneck=bottleneck)
        link_evidence(db, evidence, challenge=challenge)
    for stage in (Stage.DRAFT, Stage.SHARED):
        make_recommendation(
            db,
            engagement,
            bottlenecks=[bottleneck],
            stage=stage,
            title=text(30),
            description=text(31),
            benefits_costs=text(32),
            risks=text(33),
            responsible_actor=text(34),
        )
    make_mission(
        db,
        engagement,
        title=text(35),
        location=text(36),
        summary=text(37),
        outcomes=text(38),
        participant_organisations=[text(39)],
    )
    make_milestone(db, engagement, title=text(40), due_date=date(2019, 1, 1))
    db.flush()
    return engagement  # fmt: skip


@pytest.mark.parametrize("kind", list(ReportKind))
def test_hostile_text_fetches_attaches_and_links_nothing(
    db: Session, canary: Canary, secret_file: Path, kind: ReportKind
) -> None:
    engagement = hostile_engagement(db, canary, secret_file)
    view = prepare_draft(db, engagement, kind=kind, language="en", author=None)
    rendered = render_pdf(view)
    assert canary.requests == []
    assert set(attachments(rendered.pdf)) == {"clustercase-report.json"}
    assert SECRET not in rendered.pdf.decode("latin-1")
    assert all(SECRET.encode() not in data for data in attachments(rendered.pdf).values())
    assert "root:x:0:0" not in pdf_text(rendered.pdf)
    assert link_uris(rendered.pdf) == []
    assert qpdf_problems(rendered.pdf) == []
    # The attacks are shown as the text they are, not lost and not interpreted.
    assert (
        "<link rel=attachment href=file:///etc/passwd>" in pdf_text(rendered.pdf).replace("\n", " ")
        or kind == ReportKind.PROGRESS_REPORT
    )


def test_hostile_text_is_escaped_in_the_html(
    db: Session, canary: Canary, secret_file: Path
) -> None:
    engagement = hostile_engagement(db, canary, secret_file)
    view = prepare_draft(
        db, engagement, kind=ReportKind.POLICY_BRIEFING, language="en", author=None
    )
    html = render_html(view)
    assert canary.url in html  # the text is there...
    for tag in (
        "<link rel=",
        '<img src="http',
        "<style>@import",
        "<object",
        "<iframe",
        "<embed",
        '<a href="javascript',
        "<svg><image",
    ):
        assert tag not in html  # ...but never as markup
    assert f"file://{secret_file}\n" not in html


def test_hostile_text_through_the_api(
    client: TestClient, db: Session, canary: Canary, secret_file: Path
) -> None:
    engagement = hostile_engagement(db, canary, secret_file)
    db.commit()
    created = client.post(
        f"/api/v1/engagements/{engagement.id}/reports", json={"kind": "policy_briefing"}
    )
    assert created.status_code == 201, created.text
    pdf = client.get(
        f"/api/v1/engagements/{engagement.id}/reports/{created.json()['id']}/pdf"
    ).content
    assert canary.requests == []
    assert set(attachments(pdf)) == {"clustercase-report.json"}
    assert SECRET not in pdf.decode("latin-1")
    preview = client.get(
        f"/api/v1/engagements/{engagement.id}/reports/preview", params={"kind": "policy_briefing"}
    )
    assert "<link rel=attachment" not in preview.text
    assert canary.requests == []


def test_api_refuses_javascript_evidence_urls(client: TestClient, db: Session) -> None:
    engagement = make_engagement(db)
    db.commit()
    for url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "../x"):
        response = client.post(
            f"/api/v1/engagements/{engagement.id}/evidence",
            json={"kind": "publication", "title": "t", "url": url},
        )
        assert response.status_code == 422, url


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.org/x.png",
        "data:text/css,body{}",
        "ftp://example.org/x",
        f"{STATIC_DIR.as_uri()}/../render.py",
        f"{STATIC_DIR.as_uri()}/%2e%2e/render.py",
        f"{STATIC_DIR.as_uri()}/missing.svg",
        f"file://evil.example{STATIC_DIR}/logo.svg",
        "logo.svg",
    ],
)
def test_fetcher_refuses_everything_but_its_static_files(url: str) -> None:
    fetcher = StaticOnlyFetcher()
    with pytest.raises(ResourceRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_its_own_static_files() -> None:
    response = StaticOnlyFetcher().fetch(f"{STATIC_DIR.as_uri()}/logo.svg")
    assert response.read() == (STATIC_DIR / "logo.svg").read_bytes()
    assert response.content_type == "image/svg+xml"
