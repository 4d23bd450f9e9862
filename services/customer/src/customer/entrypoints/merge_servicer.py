"""gRPC methods of duplicates, merges and GDPR (mixed into CustomerServicer)."""

from __future__ import annotations

from typing import Any

import grpc
from moodline.customer.v1 import customer_pb2
from moodline_kit.grpc.methods import read, reads, rpc
from moodline_kit.tenancy import current_tenant
from moodline_kit.timestamps import to_proto

from customer.adapters.operations import Operation
from customer.adapters.proto import (
    consent_to_proto,
    customer_to_proto,
    note_to_proto,
    timeline_entry_to_proto,
)
from customer.domain.duplicates import Score
from customer.service_layer import merges
from customer.service_layer.handlers import UowFactory

Ctx = grpc.aio.ServicerContext


def _reasons(score: Score) -> list[customer_pb2.DuplicateReason]:
    return [customer_pb2.DuplicateReason(kind=r.kind, detail=r.detail) for r in score.reasons]


def operation_to_proto(op: Operation) -> customer_pb2.CustomerOperation:
    message = customer_pb2.CustomerOperation(
        id=str(op.id),
        kind=op.kind,
        customer_id=str(op.customer_id),
        duplicate_id=str(op.duplicate_id) if op.duplicate_id else "",
        status=op.status,
        created_at=to_proto(op.created_at),
        steps=[
            customer_pb2.OperationStep(
                service=s.service,
                status=s.status,
                completed_at=to_proto(s.completed_at) if s.completed_at else None,
            )
            for s in op.steps
        ],
    )
    if op.completed_at:
        message.completed_at.CopyFrom(to_proto(op.completed_at))
    return message


def _merge_command(request: customer_pb2.MergeCustomersRequest) -> merges.MergeCustomers:
    return merges.MergeCustomers(
        tenant_id=current_tenant(),
        customer_id=request.customer_id,
        duplicate_id=request.duplicate_id,
        fields=dict(request.fields),
    )


def _duplicates(found: tuple[list[Any], str]) -> customer_pb2.ListDuplicatesResponse:
    pairs, token = found
    return customer_pb2.ListDuplicatesResponse(
        pairs=[
            customer_pb2.DuplicatePair(
                customer=customer_to_proto(p.customer),
                duplicate=customer_to_proto(p.duplicate),
                score=p.score.value,
                reasons=_reasons(p.score),
            )
            for p in pairs
        ],
        next_page_token=token,
    )


def _candidate(request: customer_pb2.FindLikelyDuplicatesRequest) -> merges.Candidate:
    return merges.Candidate(
        first_name=request.first_name,
        last_name=request.last_name,
        company=request.company,
        phones=tuple(request.phones),
        emails=tuple(request.emails),
        exclude_id=request.exclude_id,
        limit=request.limit,
    )


def _likely(found: list[tuple[Any, Score]]) -> customer_pb2.FindLikelyDuplicatesResponse:
    return customer_pb2.FindLikelyDuplicatesResponse(
        matches=[
            customer_pb2.LikelyDuplicate(
                customer=customer_to_proto(c), score=s.value, reasons=_reasons(s)
            )
            for c, s in found
        ]
    )


def _preview(found: tuple[Any, Any, Any, Any]) -> customer_pb2.MergePreview:
    survivor, duplicate, result, sources = found
    return customer_pb2.MergePreview(
        survivor=customer_to_proto(survivor),
        duplicate=customer_to_proto(duplicate),
        result=customer_to_proto(result),
        sources=sources,
    )


def _tombstone(stone: Any) -> customer_pb2.Tombstone:
    return customer_pb2.Tombstone(
        customer_id=str(stone.customer_id),
        merged_into_id=str(stone.merged_into_id),
        operation_id=str(stone.operation_id),
        merged_at=to_proto(stone.merged_at),
    )


def _export(data: Any) -> customer_pb2.CustomerDataExport:
    return customer_pb2.CustomerDataExport(
        customer=customer_to_proto(data.customer),
        notes=[note_to_proto(n) for n in data.notes],
        consent_history=[consent_to_proto(r) for r in data.consents],
        timeline=[timeline_entry_to_proto(e) for e in data.timeline],
    )


class MergeMethods:
    _uow: UowFactory

    ListDuplicates = rpc(
        merges.list_duplicates, _duplicates, **reads("page_size", "page_token", "min_score")
    )
    FindLikelyDuplicates = rpc(merges.find_likely_duplicates, _likely, candidate=_candidate)
    PreviewMerge = rpc(merges.preview_merge, _preview, tenant=False, command=_merge_command)
    MergeCustomers = rpc(
        merges.merge_customers, operation_to_proto, tenant=False, command=_merge_command
    )
    GetCustomerOperation = rpc(merges.get_operation, operation_to_proto, operation_id=read("id"))
    GetTombstone = rpc(merges.get_tombstone, _tombstone, customer_id=read("id"))
    EraseCustomer = rpc(
        merges.erase_customer, operation_to_proto, customer_id=read("id"), confirm=read("confirm")
    )
    ExportCustomerData = rpc(merges.export_customer_data, _export, customer_id=read("id"))
