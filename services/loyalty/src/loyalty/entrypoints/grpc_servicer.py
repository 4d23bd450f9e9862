"""gRPC entrypoint: translate requests into service-layer calls, results into messages."""

from __future__ import annotations

import grpc
from moodline.loyalty.v1 import loyalty_pb2 as pb
from moodline.loyalty.v1 import loyalty_pb2_grpc
from moodline_kit.grpc.methods import paged, read, reads, rpc
from moodline_kit.tenancy import current_tenant

from loyalty.adapters.proto import (
    REASON_NAMES,
    STATUS_NAMES,
    enrolment_to_proto,
    entry_to_proto,
    program_fields,
    program_to_proto,
)
from loyalty.domain.ledger import validate_adjustment
from loyalty.service_layer import enrolments, ledger, programs
from loyalty.service_layer.enrolments import EnrolmentView
from loyalty.service_layer.ledger import Clock, KeyedQueue, UowFactory, utc_now

Ctx = grpc.aio.ServicerContext
OUTCOMES = {
    "enrolled": pb.BULK_ENROL_OUTCOME_ENROLLED,
    "already_enrolled": pb.BULK_ENROL_OUTCOME_ALREADY_ENROLLED,
    "failed": pb.BULK_ENROL_OUTCOME_FAILED,
}


def _view(v: EnrolmentView) -> pb.Enrolment:
    return enrolment_to_proto(v.enrolment, v.program, v.next_expiry_at, v.next_expiry_amount)


def _enrolment_changes(request: pb.UpdateEnrolmentRequest) -> dict[str, str]:
    """The masked fields (only the expiry and the notes can change: others are named, empty,
    for the use case to refuse)."""
    return {
        name: getattr(request, name) if name in ("expires_on", "notes") else ""
        for name in request.update_mask.paths
    }


class LoyaltyServicer(loyalty_pb2_grpc.LoyaltyServiceServicer):
    def __init__(self, uow: UowFactory, *, clock: Clock = utc_now) -> None:
        self._uow = uow
        self._clock = clock
        self._queue = KeyedQueue()

    # translation only
    CreateProgram = rpc(
        programs.create_program,
        program_to_proto,
        servicer=("clock",),
        fields=lambda r: program_fields(r.program),
    )
    GetProgram = rpc(programs.get_program, program_to_proto, program_id=read("id"))
    UpdateProgram = rpc(
        programs.update_program,
        program_to_proto,
        servicer=("clock",),
        program_id=lambda r: r.program.id,
        fields=lambda r: program_fields(r.program, list(r.update_mask.paths)),
    )
    ArchiveProgram = rpc(
        programs.archive_program, program_to_proto, servicer=("clock",), program_id=read("id")
    )
    Enrol = rpc(
        enrolments.enrol,
        _view,
        servicer=("clock",),
        **reads("program_id", "customer_id", "starting_balance", "expires_on", "notes", "actor_id"),
    )
    GetEnrolment = rpc(enrolments.get_enrolment, _view, enrolment_id=read("id"))
    RemoveEnrolment = rpc(
        enrolments.remove_enrolment,
        _view,
        servicer=("clock",),
        enrolment_id=read("id"),
        **reads("reason", "confirm", "actor_id"),
    )
    ListPrograms = rpc(
        programs.list_programs,
        paged(pb.ListProgramsResponse, "programs", program_to_proto),
        **reads("include_archived", "page_size", "page_token"),
    )
    ListEnrolments = rpc(
        enrolments.list_enrolments,
        paged(pb.ListEnrolmentsResponse, "enrolments", _view),
        **reads("program_id", "customer_id", "page_size", "page_token"),
        status=lambda r: STATUS_NAMES.get(r.status, "?"),
    )
    UpdateEnrolment = rpc(
        enrolments.update_enrolment,
        _view,
        servicer=("clock",),
        enrolment_id=read("id"),
        fields=_enrolment_changes,
    )

    async def BulkEnrol(self, request: pb.BulkEnrolRequest, context: Ctx) -> pb.BulkEnrolResponse:
        rows = await enrolments.bulk_enrol(
            tenant_id=current_tenant(),
            program_id=request.program_id,
            entries=[
                {
                    "customer_id": e.customer_id,
                    "starting_balance": e.starting_balance,
                    "expires_on": e.expires_on,
                    "notes": e.notes,
                }
                for e in request.entries
            ],
            actor_id=request.actor_id,
            uow=self._uow,
            clock=self._clock,
        )
        out = pb.BulkEnrolResponse(
            results=[
                pb.BulkEnrolResult(
                    index=r.index,
                    customer_id=r.customer_id,
                    outcome=OUTCOMES[r.outcome],
                    enrolment_id=r.enrolment_id,
                    error=r.error,
                )
                for r in rows
            ]
        )
        out.enrolled_count = sum(r.outcome == "enrolled" for r in rows)
        out.already_enrolled_count = sum(r.outcome == "already_enrolled" for r in rows)
        out.failed_count = sum(r.outcome == "failed" for r in rows)
        return out

    async def AdjustBalance(
        self, request: pb.AdjustBalanceRequest, context: Ctx
    ) -> pb.AdjustBalanceResponse:
        adjustment = validate_adjustment(
            delta=request.delta,
            reason=REASON_NAMES.get(request.reason, ""),
            idempotency_key=request.idempotency_key,
            note=request.note,
            source_ref=request.source_ref,
            actor_id=request.actor_id,
        )
        done = await ledger.adjust_balance(
            tenant_id=current_tenant(),
            enrolment_id=request.enrolment_id,
            adjustment=adjustment,
            uow=self._uow,
            clock=self._clock,
            queue=self._queue,
        )
        e = done.enrolment
        return pb.AdjustBalanceResponse(
            entry=entry_to_proto(done.entry, str(e.program_id), str(e.customer_id)),
            enrolment=enrolment_to_proto(e),
            replayed=done.replayed,
        )

    async def GetLedger(self, request: pb.GetLedgerRequest, context: Ctx) -> pb.GetLedgerResponse:
        entries, token = await ledger.ledger_page(
            tenant_id=current_tenant(),
            enrolment_id=request.enrolment_id,
            page_size=request.page_size,
            page_token=request.page_token,
            uow=self._uow,
        )
        view = await enrolments.get_enrolment(
            tenant_id=current_tenant(), enrolment_id=request.enrolment_id, uow=self._uow
        )
        e = view.enrolment
        return pb.GetLedgerResponse(
            entries=[entry_to_proto(x, str(e.program_id), str(e.customer_id)) for x in entries],
            next_page_token=token,
        )
