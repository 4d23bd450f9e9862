"""gRPC entrypoint: translate requests into handler calls, results into messages."""

from __future__ import annotations

import grpc
from moodline.sentiment.v1 import sentiment_pb2 as pb
from moodline.sentiment.v1 import sentiment_pb2_grpc
from moodline_kit.grpc.interceptors import remaining_time
from moodline_kit.grpc.methods import read, rpc
from moodline_kit.tenancy import current_tenant
from moodline_kit.timestamps import to_proto

from sentiment.adapters import proto
from sentiment.adapters.fair_share import FairShare
from sentiment.service_layer import analyze, overrides, settings
from sentiment.service_layer.overrides import ConversationView, CustomerView, UowFactory

Ctx = grpc.aio.ServicerContext


def _customer(view: CustomerView) -> pb.CustomerSentiment:
    return proto.customer(view.customer_id, view.sentiment, view.updated_at)


def _conversation(view: ConversationView) -> pb.ConversationSentiment:
    agg = view.sentiment.aggregate
    return pb.ConversationSentiment(
        conversation_id=view.conversation_id,
        customer_id=view.customer_id,
        sentiment=proto.shown(view.sentiment.computed),
        message_count=agg.messages,
        updated_at=to_proto(view.updated_at),
    )


class SentimentServicer(sentiment_pb2_grpc.SentimentServiceServicer):
    def __init__(self, uow: UowFactory, analyzer: FairShare) -> None:
        self._uow = uow
        self._analyzer = analyzer

    # translation only
    GetMessageSentiment = rpc(overrides.get_message, proto.message, message_id=read("message_id"))
    GetConversationSentiment = rpc(
        overrides.get_conversation, _conversation, conversation_id=read("conversation_id")
    )
    GetCustomerSentiment = rpc(overrides.get_customer, _customer, customer_id=read("customer_id"))
    SetSentimentOverride = rpc(
        overrides.set_override,
        _customer,
        customer_id=read("customer_id"),
        label=lambda r: proto.LABELS_BACK.get(r.label),
        reason=read("reason"),
        set_by=read("set_by"),
    )
    ClearSentimentOverride = rpc(
        overrides.clear_override, _customer, customer_id=read("customer_id")
    )

    async def Analyze(self, request: pb.AnalyzeRequest, context: Ctx) -> pb.AnalyzeResponse:
        # The tenant's fair share of the model, within the caller's deadline.
        lane = self._analyzer.lane(current_tenant(), remaining_time())
        scored = await analyze.analyze(texts=list(request.texts), scorer=lane)
        return pb.AnalyzeResponse(
            results=[proto.analyze_result(r) for r in scored.readings],
            model_version=scored.model_version,
        )

    async def GetSentimentSettings(
        self, request: pb.GetSentimentSettingsRequest, context: Ctx
    ) -> pb.SentimentSettings:
        targets = await settings.get_settings(tenant_id=current_tenant(), uow=self._uow)
        return pb.SentimentSettings(reply_target_minutes=targets.minutes())

    async def UpdateSentimentSettings(
        self, request: pb.UpdateSentimentSettingsRequest, context: Ctx
    ) -> pb.SentimentSettings:
        targets = await settings.update_settings(
            tenant_id=current_tenant(),
            reply_target_minutes=dict(request.reply_target_minutes),
            uow=self._uow,
        )
        return pb.SentimentSettings(reply_target_minutes=targets.minutes())
