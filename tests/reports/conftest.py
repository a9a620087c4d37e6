import pytest
from sqlalchemy.orm import Session

from tests.demo_reports import seed_demo


@pytest.fixture
def seeded(db: Session) -> Session:
    """The demo portfolio, flushed (tests/demo_reports.py)."""
    return seed_demo(db)
