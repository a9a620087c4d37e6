"""Users: accounts, roles and the client a stakeholder is bound to."""

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.models import Partnership, Region, User
from app.schemas.user import UserCreate, UserUpdate, check_client_binding
from app.security import hash_password
from app.services.common import apply_changes, get_or_404, paginate
from app.services.errors import Duplicate, InvalidInput
from app.vocab import Role


def list_users(
    session: Session, *, role: Role | None, q: str | None, limit: int, offset: int
) -> tuple[Sequence[User], int]:
    """Users by email, optionally filtered by role or a text match."""
    stmt = select(User).order_by(User.email, User.id)
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(func.lower(User.email).like(pattern), func.lower(User.full_name).like(pattern))
        )
    return paginate(session, stmt, limit=limit, offset=offset)


def get(session: Session, user_id: int) -> User:
    """The user, or NotFound."""
    return get_or_404(session, User, user_id, label="User")


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def _check_client_exists(
    session: Session, region_id: int | None, partnership_id: int | None
) -> None:
    if region_id is not None and session.get(Region, region_id) is None:
        raise InvalidInput(f"Region {region_id} does not exist", loc=["body", "region_id"])
    if partnership_id is not None and session.get(Partnership, partnership_id) is None:
        raise InvalidInput(
            f"Partnership {partnership_id} does not exist", loc=["body", "partnership_id"]
        )


def create(session: Session, data: UserCreate) -> User:
    """Add a user with a hashed password; the email must be new (case-insensitively)."""
    if find_by_email(session, data.email) is not None:
        raise Duplicate(f"A user with email {data.email} already exists")
    _check_client_exists(session, data.region_id, data.partnership_id)
    user = User(
        email=data.email.lower(),
        full_name=data.full_name,
        role=data.role,
        region_id=data.region_id,
        partnership_id=data.partnership_id,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    session.flush()
    return user


def update(session: Session, user: User, data: UserUpdate) -> User:
    """Apply the fields sent; the role and client binding must stay consistent."""
    changes = data.changes()
    password = changes.pop("password", None)
    role = changes.get("role", user.role)
    region_id = changes.get("region_id", user.region_id)
    partnership_id = changes.get("partnership_id", user.partnership_id)
    try:
        check_client_binding(role, region_id, partnership_id)
    except ValueError as exc:
        raise InvalidInput(str(exc), loc=["body", "role"]) from exc
    _check_client_exists(session, changes.get("region_id"), changes.get("partnership_id"))
    apply_changes(user, changes)
    if password is not None:
        user.password_hash = hash_password(password)
    session.flush()
    return user
