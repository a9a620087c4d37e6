"""Regions and partnerships."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from app.schemas.common import InputModel, LongText, Name, ReadModel, UpdateModel, WebUrl
from app.vocab import PartnershipKind

# ISO 3166-1 alpha-2 as used by Eurostat (EL for Greece is accepted, as NUTS codes use it).
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
NutsCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[A-Z0-9]{0,3}$")]
Notes = LongText
Sector = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class RegionBase(InputModel):
    name: Name
    country_code: CountryCode
    nuts_level: Annotated[int, Field(ge=0, le=3)]
    notes: Notes = ""


class RegionCreate(RegionBase):
    nuts_code: NutsCode


class RegionUpdate(UpdateModel):
    nuts_code: NutsCode | None = None
    name: Name | None = None
    country_code: CountryCode | None = None
    nuts_level: Annotated[int, Field(ge=0, le=3)] | None = None
    notes: Notes | None = None


class RegionRead(ReadModel):
    id: int
    nuts_code: str
    name: str
    country_code: str
    nuts_level: int
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime


class PartnershipCreate(InputModel):
    acronym: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    name: Name
    kind: PartnershipKind
    sectors: Annotated[list[Sector], Field(max_length=50)] = []
    coordinator: Annotated[str, StringConstraints(max_length=300)] = ""
    countries: Annotated[list[CountryCode], Field(max_length=60)] = []
    website: WebUrl | None = None
    notes: Notes = ""


class PartnershipUpdate(UpdateModel):
    nullable = frozenset({"website"})

    acronym: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    name: Name | None = None
    kind: PartnershipKind | None = None
    sectors: Annotated[list[Sector], Field(max_length=50)] | None = None
    coordinator: Annotated[str, StringConstraints(max_length=300)] | None = None
    countries: Annotated[list[CountryCode], Field(max_length=60)] | None = None
    website: WebUrl | None = None
    notes: Notes | None = None


class PartnershipRead(ReadModel):
    id: int
    acronym: str
    name: str
    kind: PartnershipKind
    sectors: list[str]
    coordinator: str
    countries: list[str]
    website: str | None
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime
