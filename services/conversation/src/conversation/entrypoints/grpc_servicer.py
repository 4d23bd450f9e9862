"""gRPC entrypoint: translate requests into commands/queries, results into messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from moodline.conversation.v1 import conversation_pb2 as pb
from moodline.conversation.v1 import conversation_pb2_grpc
from moodline_kit.errors import DomainError, InvalidArgument
from moodline_kit.grpc.methods import read, reads, rpc
from moodline_kit.grpc.status import status_code_for
from moodline_kit.tenancy import current_tenant
from moodline_kit.timestamps import field_time

from conversation.adapters.customers import CustomerDirectory, CustomerProfiles
from conversation.adapters.proto import (
    AGENT_KIND_OF,
    AUTHOR_OF,
    CHANNEL_OF,
    DIRECTION_OF,
    STATUS_OF,
    conversation_to_proto,
    message_to_proto,
    outbound_to_proto,
)
from conversation.adapters.repository import ConversationFilter, MessageFilter
from conversation.domain.model import Contact, ContactKind, IncomingMessage, Status
from conversation.domain.outbound import SendRequest
from conversation.service_layer import handlers, ingestion, outbound
from conversation.service_layer.handlers import UowFactory


def _channels(values: object, name: str) -> tuple:
    out = []
    for v in values:  # type: ignore[attr-defined]
        if v not in CHANNEL_OF:
            raise InvalidArgument.of(name, "unknown channel")
        out.append(CHANNEL_OF[v])
    return tuple(out)


def incoming(request: pb.IngestMessageRequest) -> IncomingMessage:
    which = request.WhichOneof("customer")
    contact = None
    if which == "customer_phone":
        contact = Contact(ContactKind.PHONE, request.customer_phone)
    elif which == "customer_email":
        contact = Contact(ContactKind.EMAIL, request.customer_email)
    elif which == "customer_id":
        contact = Contact(ContactKind.CUSTOMER_ID, request.customer_id)
    return IncomingMessage(
        provider_message_id=request.provider_message_id,
        channel=CHANNEL_OF.get(request.channel),
        contact=contact,
        direction=DIRECTION_OF.get(request.direction),
        author=AUTHOR_OF.get(request.author),
        author_id=request.author_id,
        text=request.text,
        sent_at=field_time(request, "sent_at"),
        display_name=request.customer_display_name,
        conversation_id=request.conversation_id,
    )


def ingest_response(outcome: ingestion.Ingested) -> pb.IngestMessageResponse:
    return pb.IngestMessageResponse(
        message=message_to_proto(outcome.message),
        conversation=conversation_to_proto(outcome.conversation),
        duplicate=outcome.duplicate,
        customer_created=outcome.customer_created,
        conversation_opened=outcome.conversation_opened,
    )


def ingest_results(outcomes: list[ingestion.Ingested | DomainError]) -> pb.IngestMessagesResponse:
    results = []
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, DomainError):
            results.append(pb.IngestMessageResult(index=index, failed=failure(outcome)))
        else:
            results.append(pb.IngestMessageResult(index=index, ingested=ingest_response(outcome)))
    return pb.IngestMessagesResponse(results=results)


def conversation_filter(request: pb.ListConversationsRequest) -> ConversationFilter:
    if request.status and request.status not in STATUS_OF:
        raise InvalidArgument.of("status", "unknown status")
    return ConversationFilter(
        customer_id=handlers.optional_customer_id(request.customer_id),
        started_after=field_time(request, "started_after"),
        started_before=field_time(request, "started_before"),
        channels=_channels(request.channels, "channels"),
        status=STATUS_OF.get(request.status),
        agent_id=request.agent_id,
    )


def conversation_with_messages(found: tuple[Any, Any]) -> pb.GetConversationResponse:
    conversation, page = found
    return pb.GetConversationResponse(
        conversation=conversation_to_proto(conversation),
        messages=[message_to_proto(m) for m in page.messages],
        next_message_page_token=page.next_cursor,
    )


def failure(error: DomainError) -> pb.IngestFailure:
    violations = getattr(error, "violations", None) or []
    return pb.IngestFailure(
        code=status_code_for(error).name,
        message=error.message,
        field=violations[0].field if violations else "",
    )


class _Directory(CustomerDirectory, CustomerProfiles):
    """The customer service as this servicer uses it (GrpcCustomerDirectory)."""


class ConversationServicer(conversation_pb2_grpc.ConversationServiceServicer):
    def __init__(
        self,
        uow: UowFactory,
        customers: _Directory,
        *,
        resolve_concurrency: int = 16,
        callback_secret: str = "",
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._uow = uow
        self._customers = customers
        self._resolve_concurrency = resolve_concurrency
        self._secret = callback_secret
        self._on_queued = on_queued

    GetOutboundMessage = rpc(
        outbound.get_outbound, outbound_to_proto, tenant=False, ident=read("id")
    )
    RecordDeliveryStatus = rpc(
        outbound.record_delivery_status,
        outbound_to_proto,
        servicer=("secret",),
        tenant=False,
        **reads("body", "signature"),
    )
    IngestMessage = rpc(
        ingestion.ingest_message, ingest_response, servicer=("customers",), message=incoming
    )
    IngestMessages = rpc(
        ingestion.ingest_messages,
        ingest_results,
        servicer=("customers", "resolve_concurrency"),
        messages=lambda r: [incoming(m) for m in r.messages],
    )
    ListConversations = rpc(
        handlers.list_conversations,
        lambda page: pb.ListConversationsResponse(
            conversations=[conversation_to_proto(c) for c in page.conversations],
            next_page_token=page.next_cursor,
        ),
        where=conversation_filter,
        page_size_=read("page_size"),
        page_token=read("page_token"),
    )
    GetConversation = rpc(
        handlers.get_conversation,
        conversation_with_messages,
        ident=read("id"),
        **reads("message_page_size", "message_page_token"),
    )

    async def SendMessage(
        self, request: pb.SendMessageRequest, context: grpc.aio.ServicerContext
    ) -> pb.OutboundMessage:
        sent = await outbound.send_message(
            request=SendRequest(
                customer_id=request.customer_id,
                channel=CHANNEL_OF.get(request.channel),
                text=request.text,
                template=request.template,
                subject=request.subject,
                author=AUTHOR_OF.get(request.author or pb.AUTHOR_AGENT),
                author_id=request.author_id,
                marketing=request.marketing,
                idempotency_key=request.idempotency_key,
                staff_email=request.staff_email,
                dry_run=request.dry_run,
            ),
            uow=self._uow,
            customers=self._customers,
        )
        if request.dry_run:
            preview = outbound_to_proto(sent)
            preview.ClearField("id")
            preview.status = pb.DELIVERY_STATUS_UNSPECIFIED
            return preview
        if not sent.duplicate and self._on_queued is not None:
            self._on_queued()
        return outbound_to_proto(sent)

    async def UpdateConversation(
        self, request: pb.UpdateConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Conversation:
        status = None
        if request.HasField("status"):
            status = STATUS_OF.get(request.status)
            if status is None:
                raise InvalidArgument.of("status", "must be open or resolved")
        handoff = None
        if request.HasField("handoff"):
            handoff = handlers.Handoff(
                agent_id=request.handoff.agent_id,
                kind=AGENT_KIND_OF.get(request.handoff.kind),
                reason=request.handoff.reason,
            )
        command = handlers.UpdateConversation(
            tenant_id=current_tenant(),
            id=request.id,
            status=status,
            handoff=handoff,
            csat=request.csat if request.HasField("csat") else None,
            topic=request.topic if request.HasField("topic") else None,
            summary=request.summary if request.HasField("summary") else None,
        )
        updated = await handlers.update_conversation(command=command, uow=self._uow)
        return conversation_to_proto(updated)

    async def CloseConversation(
        self, request: pb.CloseConversationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Conversation:
        command = handlers.UpdateConversation(
            tenant_id=current_tenant(),
            id=request.id,
            status=Status.RESOLVED,
            csat=request.csat if request.HasField("csat") else None,
            summary=request.summary if request.HasField("summary") else None,
            ended_at=field_time(request, "ended_at"),
            close_only=True,
        )
        closed = await handlers.update_conversation(command=command, uow=self._uow)
        return conversation_to_proto(closed)

    async def SearchMessages(
        self, request: pb.SearchMessagesRequest, context: grpc.aio.ServicerContext
    ) -> pb.SearchMessagesResponse:
        command = handlers.SearchMessages(
            tenant_id=current_tenant(),
            query=request.query,
            where=MessageFilter(
                customer_id=handlers.optional_customer_id(request.customer_id),
                channels=_channels(request.channels, "channels"),
                sent_after=field_time(request, "sent_after"),
                sent_before=field_time(request, "sent_before"),
            ),
            page_size=request.page_size,
            page_token=request.page_token,
            customers_only=request.customers_only,
        )
        result = await handlers.search_messages(command=command, uow=self._uow)
        return pb.SearchMessagesResponse(
            hits=[
                pb.MessageHit(
                    message=message_to_proto(h.message),
                    rank=h.rank,
                    snippet=h.snippet.text,
                    highlights=[pb.Highlight(start=s, end=e) for s, e in h.snippet.highlights],
                )
                for h in result.hits
            ],
            customer_ids=[str(c) for c in result.customer_ids],
            next_page_token=result.next_page_token,
        )
