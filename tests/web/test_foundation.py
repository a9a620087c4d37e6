"""The pages' foundation: headers, assets, error pages inside the layout, forms."""

import re
from collections.abc import Callable

from sqlalchemy.orm import Session

from app.models import User
from app.vocab import Role
from app.web import forms
from app.web.assets import Assets
from app.web.templating import day
from tests.factories import make_engagement, make_user
from tests.web.conftest import WebClient


def test_pages_carry_a_strict_content_security_policy(
    db: Session, web_as: Callable[[User], WebClient]
) -> None:
    page = web_as(make_user(db, role=Role.CONSULTANT)).get("/engagements")
    policy = page.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", policy)
    assert script_src and script_src.group(1).strip() == "'self'"
    assert "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"


def test_pages_load_nothing_from_elsewhere_and_no_inline_script(
    db: Session, web_as: Callable[[User], WebClient]
) -> None:
    html = web_as(make_user(db, role=Role.CONSULTANT)).get("/engagements/new").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(("/", "#")) for s in sources), sources
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "an inline script"
    assert not re.search(r"\son\w+=", html), "an inline event handler"
    assert " style=" not in html


def test_assets_have_hashed_names_and_long_cache(web_anonymous: WebClient) -> None:
    html = web_anonymous.get("/login").text
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(urls) >= 4  # pico, app.css, htmx, app.js, favicon
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", url), url
        answer = web_anonymous.get(url)
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert web_anonymous.get("/static/app.css").status_code == 404  # only hashed names
    assert web_anonymous.get("/static/../config.py").status_code == 404


def test_asset_budget() -> None:
    assets = Assets()
    names = ["vendor/pico-2.1.1.min.css", "app.css", "vendor/htmx-2.0.4.min.js", "app.js"]
    assert assets.total_bytes(names) <= 300 * 1024


def test_unknown_page_is_a_404_page_in_the_layout(
    db: Session, web_as: Callable[[User], WebClient]
) -> None:
    answer = web_as(make_user(db, role=Role.CONSULTANT)).get("/no-such-page")
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]
    # No route ran, so no sign-in was read: the layout without the user's menu.
    assert "Page not found" in answer.text and "Skip to content" in answer.text


def test_forbidden_page_is_a_403_page_in_the_layout(
    db: Session, web_as: Callable[[User], WebClient]
) -> None:
    answer = web_as(make_user(db, role=Role.MONITOR)).get("/engagements/new")
    assert answer.status_code == 403
    assert "You may not do this" in answer.text and "Sign out" in answer.text


def test_api_errors_stay_json(web_anonymous: WebClient) -> None:
    answer = web_anonymous.get("/api/v1/engagements")
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized"


def test_validation_errors_appear_beside_fields_with_input_kept(
    db: Session, web_as: Callable[[User], WebClient]
) -> None:
    web = web_as(make_user(db, role=Role.CONSULTANT))
    answer = web.post("/engagements/new", {"reference": "KEEP-ME", "title": "", "kind": "x"})
    assert answer.status_code == 422
    assert 'value="KEEP-ME"' in answer.text
    assert 'id="error-title"' in answer.text and "Title is required" in answer.text
    assert 'href="#field-title"' in answer.text  # the summary links to the field


def test_creating_an_engagement_through_the_form(
    db: Session, web_as: Callable[[User], WebClient]
) -> None:
    from app.models import Engagement, Region
    from app.services import engagements

    region = Region(nuts_code="XX1", name="Testland", country_code="XX", nuts_level=1)
    db.add(region)
    user = make_user(db, role=Role.CONSULTANT)
    db.commit()
    answer = web_as(user).post(
        "/engagements/new",
        {
            "reference": "WEB-1",
            "title": "From the browser",
            "kind": "regional_advice",
            "region_id": str(region.id),
            "themes": ["digitalisation", "kets"],
            "planned_start": "2027-01-01",
        },
    )
    assert answer.status_code == 303
    db.expire_all()
    created = db.query(Engagement).filter_by(reference="WEB-1").one()
    assert answer.headers["location"] == f"/engagements/{created.id}"
    read = engagements.read(db, created.id)
    assert read.region_id == region.id and set(read.themes) == {"digitalisation", "kets"}


def test_dates_read_as_words() -> None:
    from datetime import date

    assert day(date(2026, 12, 6)) == "6 December 2026"


def test_stale_changes_name_what_changed() -> None:
    from starlette.datastructures import FormData

    form = FormData([("version", "1"), ("base", '{"title": "Old"}')])
    assert forms.stale_changes(form, {"title": "New"}, 2) == [("title", "Old", "New")]
    assert forms.stale_changes(form, {"title": "Old"}, 2) == []  # nothing the user saw changed
    assert forms.stale_changes(FormData([("version", "2")]), {"title": "x"}, 2) == []


def test_list_filters_and_flags(db: Session, web_as: Callable[[User], WebClient]) -> None:
    user = make_user(db, role=Role.CONSULTANT)
    mine = make_engagement(db, lead_consultant_id=user.id, title="Mine")
    other = make_engagement(db, title="Someone else's")
    db.commit()
    web = web_as(user)
    default = web.get("/engagements").text
    assert mine.reference in default and other.reference not in default
    everything = web.get("/engagements?scope=all").text
    assert other.reference in everything
    bad = web.get("/engagements?phase=nonsense&scope=all")
    assert bad.status_code == 200 and "not valid" in bad.text
