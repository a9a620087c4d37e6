"""The audit hook: every ORM change leaves an entry in the same transaction."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.models import AuditEntry, EngagementTheme
from app.services import audit  # noqa: F401  (registers the hook)
from app.vocab import Phase, Theme
from tests.factories import make_engagement, make_recommendation, make_region, make_user


def entries(db: Session, **where: object) -> list[AuditEntry]:
    stmt = select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
    return list(db.scalars(stmt))


def test_create_update_delete_are_recorded_with_field_changes(db: Session) -> None:
    db.info["actor_id"] = make_user(db).id
    db.info["request_id"] = "req-1"
    region = make_region(db, name="Wallonia")
    region.name = "Wallonie"
    db.flush()
    db.delete(region)
    db.flush()
    recorded = entries(db, entity_type="region", entity_id=region.id)
    assert [e.action for e in recorded] == ["create", "update", "delete"]
    assert recorded[0].changes["name"] == [None, "Wallonia"]
    assert recorded[1].changes == {"name": ["Wallonia", "Wallonie"]}
    assert recorded[2].changes["name"] == ["Wallonie", None]
    assert {e.actor_id for e in recorded} == {db.info["actor_id"]}
    assert {e.request_id for e in recorded} == {"req-1"}


def test_phase_change_is_a_transition(db: Session) -> None:
    engagement = make_engagement(db)
    engagement.phase = Phase.DIAGNOSIS
    db.flush()
    last = entries(db, entity_type="engagement", entity_id=engagement.id)[-1]
    assert last.action == "transition"
    assert last.changes["phase"] == ["scoping", "diagnosis"]
    assert last.engagement_id == engagement.id


def test_link_rows_fold_into_the_parent_entry(db: Session) -> None:
    engagement = make_engagement(db)
    db.add(EngagementTheme(engagement_id=engagement.id, theme=Theme.KETS))
    db.flush()
    db.add(EngagementTheme(engagement_id=engagement.id, theme=Theme.CREATIVITY))
    db.flush()
    recorded = entries(db, entity_type="engagement", entity_id=engagement.id)
    assert recorded[-1].changes == {"themes": [["kets"], ["creativity", "kets"]]}
    assert not entries(db, entity_type="engagement_theme")


def test_nested_items_carry_their_engagement(db: Session) -> None:
    engagement = make_engagement(db)
    recommendation = make_recommendation(db, engagement)
    (entry,) = entries(db, entity_type="recommendation", entity_id=recommendation.id)
    assert entry.engagement_id == engagement.id and entry.action == "create"


def test_passwords_are_never_written_to_the_trail(db: Session) -> None:
    user = make_user(db, password_hash="$argon2id$secret")
    (entry,) = entries(db, entity_type="user", entity_id=user.id)
    assert entry.changes["password_hash"] == [None, "[redacted]"]


def test_entries_cannot_be_changed_or_deleted(db: Session) -> None:
    make_region(db)
    for statement in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"):
        savepoint = db.begin_nested()
        with pytest.raises(DBAPIError):
            db.execute(text(statement))
        savepoint.rollback()
