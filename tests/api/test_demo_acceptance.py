"""Issue #5's "done when", on the demo portfolio itself: the Wallonia officer reports that a
recommendation is implemented in most respects, and DG GROW's summary and export show it; the
officer's library search finds advice given to another client."""

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Engagement, Recommendation, User
from app.seed import demo
from tests.conftest import bearer
from tests.seed.test_demo import stand_in_render


def _user(db: Session, email: str) -> User:
    return db.scalars(select(User).where(User.email == email)).one()


def _recommendation(db: Session, reference: str, code: str) -> Recommendation:
    return db.scalars(
        select(Recommendation)
        .join(Engagement, Engagement.id == Recommendation.engagement_id)
        .where(Engagement.reference == reference, Recommendation.code == code)
    ).one()


def test_wallonia_reports_implementation_and_dg_grow_sees_it(
    client: TestClient, db: Session
) -> None:
    demo.seed(db, render=stand_in_render)
    db.commit()
    officer = bearer(_user(db, "wallonia@clustercase.example"))
    monitor = bearer(_user(db, "monitor@clustercase.example"))
    r3 = _recommendation(db, "EOCIC-2018-BE3", "R3")  # self-assessed "some respects", not validated
    before = client.get("/api/v1/portfolio/summary", headers=monitor).json()["recommendations"]

    recorded = client.post(
        f"/api/v1/engagements/{r3.engagement_id}/recommendations/{r3.id}/updates",
        json={"implementation": "most_respects", "comment": "Calls now reserve a strand for SMEs"},
        headers=officer,
    )
    assert recorded.status_code == 201, recorded.text

    after = client.get("/api/v1/portfolio/summary", headers=monitor).json()["recommendations"]
    by_before, by_after = before["by_implementation"], after["by_implementation"]
    assert by_after["most_respects"] == by_before["most_respects"] + 1
    assert by_after["some_respects"] == by_before["some_respects"] - 1
    export = client.get(
        "/api/v1/portfolio/recommendations.csv", params={"country": "BE"}, headers=monitor
    )
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    row = next(
        r for r in rows if (r["engagement_reference"], r["code"]) == ("EOCIC-2018-BE3", "R3")
    )
    assert (row["implementation"], row["self_assessment"]) == ("most_respects", "most_respects")


def test_wallonia_finds_advice_given_to_another_client(client: TestClient, db: Session) -> None:
    demo.seed(db, render=stand_in_render)
    db.commit()
    officer = bearer(_user(db, "wallonia@clustercase.example"))
    adpack = _recommendation(db, "EOCIC-2018-ADPACK", "R1")
    word = max(adpack.title.split(), key=len).strip(".,;:()")
    found = client.get("/api/v1/library/recommendations", params={"q": word}, headers=officer)
    assert found.status_code == 200, found.text
    assert adpack.id in [item["id"] for item in found.json()["items"]]
