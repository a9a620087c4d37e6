"""Users and authentication."""

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, EmailStr, Field, StringConstraints, model_validator

from app.schemas.common import DbId, InputModel, Label, ReadModel, UpdateModel
from app.vocab import Role

Password = Annotated[str, StringConstraints(min_length=12, max_length=256)]


class UserCreate(InputModel):
    email: Annotated[EmailStr, Field(max_length=320)]
    full_name: Label
    role: Role
    password: Password
    region_id: DbId | None = None
    partnership_id: DbId | None = None

    @model_validator(mode="after")
    def _client_binding(self) -> Self:
        check_client_binding(self.role, self.region_id, self.partnership_id)
        return self


class UserUpdate(UpdateModel):
    nullable = frozenset({"region_id", "partnership_id"})

    full_name: Label | None = None
    role: Role | None = None
    password: Password | None = None
    region_id: DbId | None = None
    partnership_id: DbId | None = None
    is_active: bool | None = None


class UserRead(ReadModel):
    id: int
    email: str
    full_name: str
    role: Role
    region_id: int | None
    partnership_id: int | None
    is_active: bool
    version: int
    created_at: datetime


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


def check_client_binding(role: Role, region_id: int | None, partnership_id: int | None) -> None:
    """A stakeholder names exactly one region or partnership; nobody else names any."""
    if role == Role.STAKEHOLDER and (region_id is None) == (partnership_id is None):
        raise ValueError("a stakeholder is bound to exactly one region or one partnership")
    if role != Role.STAKEHOLDER and (region_id is not None or partnership_id is not None):
        raise ValueError("only stakeholders are bound to a region or partnership")
