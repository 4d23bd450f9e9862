"""Public JSON shapes of duplicates, merges and GDPR (typed for the web client)."""

from __future__ import annotations

from typing import Literal

from moodline import enums
from pydantic import BaseModel, Field

from gateway.schemas import CustomerOut, Strict
from gateway.validation import BodyId

MergeSide = Literal["survivor", "duplicate"]
MergeField = Literal[tuple(f.value for f in enums.MergeField)]  # type: ignore[valid-type]


class DuplicateReasonOut(BaseModel):
    kind: Literal["phone", "email", "name"]
    detail: str


class DuplicatePairOut(BaseModel):
    customer: CustomerOut = Field(description="the suggested survivor (the older profile)")
    duplicate: CustomerOut
    score: int = Field(ge=0, le=100)
    reasons: list[DuplicateReasonOut]


class DuplicatePage(BaseModel):
    items: list[DuplicatePairOut]
    next_cursor: str | None


class LikelyDuplicateOut(BaseModel):
    customer: CustomerOut
    score: int = Field(ge=0, le=100)
    reasons: list[DuplicateReasonOut]


class CustomerCreatedOut(CustomerOut):
    likely_duplicates: list[LikelyDuplicateOut] = Field(
        default_factory=list,
        description="existing customers that look like this one (merge them if they are)",
    )


class MergePreviewOut(BaseModel):
    survivor: CustomerOut
    duplicate: CustomerOut
    result: CustomerOut = Field(description="the survivor after the merge")
    sources: dict[str, MergeSide]


class MergeIn(Strict):
    duplicate_id: BodyId
    fields: dict[MergeField, MergeSide] = Field(
        default_factory=dict,
        description="whose value a single-valued field keeps (default: the survivor's, the "
        "duplicate's where the survivor's is empty); contacts, addresses, tags are united",
    )


class EraseIn(Strict):
    confirm: bool = Field(description="must be true: erasure is irreversible")


class OperationStepOut(BaseModel):
    service: str
    status: Literal["pending", "completed"]
    completed_at: str | None


class CustomerOperationOut(BaseModel):
    id: str
    kind: Literal["merge", "erasure"]
    customer_id: str = Field(description="the survivor (merge) or the erased customer")
    duplicate_id: str | None
    status: Literal["running", "completed"]
    steps: list[OperationStepOut]
    created_at: str | None
    completed_at: str | None
