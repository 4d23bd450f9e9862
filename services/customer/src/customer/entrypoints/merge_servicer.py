"""gRPC methods of duplicates, merges and GDPR (mixed into CustomerServicer)."""

from __future__ import annotations

import grpc
from moodline.customer.v1 import customer_pb2
from moodline_kit.tenancy import current_tenant
from moodline_kit.timestamps import to_proto

from customer.adapters.operations import Operation
from customer.adapters.proto import customer_to_proto, note_to_proto, struct
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


class MergeMethods:
    _uow: UowFactory

    async def ListDuplicates(
        self, request: customer_pb2.ListDuplicatesRequest, context: Ctx
    ) -> customer_pb2.ListDuplicatesResponse:
        pairs, token = await merges.list_duplicates(
            tenant_id=current_tenant(),
            page_size=request.page_size,
            page_token=request.page_token,
            min_score=request.min_score,
            uow=self._uow,
        )
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

    async def FindLikelyDuplicates(
        self, request: customer_pb2.FindLikelyDuplicatesRequest, context: Ctx
    ) -> customer_pb2.FindLikelyDuplicatesResponse:
        found = await merges.find_likely_duplicates(
            tenant_id=current_tenant(),
            candidate=merges.Candidate(
                first_name=request.first_name,
                last_name=request.last_name,
                company=request.company,
                phones=tuple(request.phones),
                emails=tuple(request.emails),
                exclude_id=request.exclude_id,
                limit=request.limit,
            ),
            uow=self._uow,
        )
        return customer_pb2.FindLikelyDuplicatesResponse(
            matches=[
                customer_pb2.LikelyDuplicate(
                    customer=customer_to_proto(c), score=s.value, reasons=_reasons(s)
                )
                for c, s in found
            ]
        )

    async def PreviewMerge(
        self, request: customer_pb2.MergeCustomersRequest, context: Ctx
    ) -> customer_pb2.MergePreview:
        survivor, duplicate, result, sources = await merges.preview_merge(
            command=_merge_command(request), uow=self._uow
        )
        return customer_pb2.MergePreview(
            survivor=customer_to_proto(survivor),
            duplicate=customer_to_proto(duplicate),
            result=customer_to_proto(result),
            sources=sources,
        )

    async def MergeCustomers(
        self, request: customer_pb2.MergeCustomersRequest, context: Ctx
    ) -> customer_pb2.CustomerOperation:
        op = await merges.merge_customers(command=_merge_command(request), uow=self._uow)
        return operation_to_proto(op)

    async def GetCustomerOperation(
        self, request: customer_pb2.GetCustomerOperationRequest, context: Ctx
    ) -> customer_pb2.CustomerOperation:
        op = await merges.get_operation(
            tenant_id=current_tenant(), operation_id=request.id, uow=self._uow
        )
        return operation_to_proto(op)

    async def GetTombstone(
        self, request: customer_pb2.GetTombstoneRequest, context: Ctx
    ) -> customer_pb2.Tombstone:
        stone = await merges.get_tombstone(
            tenant_id=current_tenant(), customer_id=request.id, uow=self._uow
        )
        return customer_pb2.Tombstone(
            customer_id=str(stone.customer_id),
            merged_into_id=str(stone.merged_into_id),
            operation_id=str(stone.operation_id),
            merged_at=to_proto(stone.merged_at),
        )

    async def EraseCustomer(
        self, request: customer_pb2.EraseCustomerRequest, context: Ctx
    ) -> customer_pb2.CustomerOperation:
        op = await merges.erase_customer(
            tenant_id=current_tenant(),
            customer_id=request.id,
            confirm=request.confirm,
            uow=self._uow,
        )
        return operation_to_proto(op)

    async def ExportCustomerData(
        self, request: customer_pb2.ExportCustomerDataRequest, context: Ctx
    ) -> customer_pb2.CustomerDataExport:
        data = await merges.export_customer_data(
            tenant_id=current_tenant(), customer_id=request.id, uow=self._uow
        )
        return customer_pb2.CustomerDataExport(
            customer=customer_to_proto(data.customer),
            notes=[note_to_proto(n) for n in data.notes],
            consent_history=[
                customer_pb2.Consent(
                    kind=r.kind,
                    granted=r.granted,
                    source=r.source,
                    changed_at=to_proto(r.changed_at),
                )
                for r in data.consents
            ],
            timeline=[
                customer_pb2.TimelineEntry(
                    id=str(e.id),
                    kind=e.kind,
                    type=e.type,
                    summary=e.summary,
                    data=struct(e.data),
                    occurred_at=to_proto(e.occurred_at),
                )
                for e in data.timeline
            ],
        )
