"""The evidence references that challenge, bottleneck and recommendation reads carry."""

from pydantic import BaseModel

from app.vocab import Relation


class EvidenceRef(BaseModel):
    link_id: int
    evidence_id: int
    relation: Relation
