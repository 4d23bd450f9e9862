"""gRPC entrypoint: translate requests into handler calls, results into messages."""

from __future__ import annotations

import grpc
from moodline.sentiment.v1 import sentiment_pb2 as pb
from moodline.sentiment.v1 import sentiment_pb2_grpc
from moodline_kit.grpc.interceptors import remaining_time
from moodline_kit.tenancy import current_tenant
from moodline_kit.timestamps import to_proto

from sentiment.adapters import proto
from sentiment.adapters.fair_share import FairShare
from sentiment.service_layer import analyze, overrides, settings
from sentiment.service_layer.overrides import ConversationView, CustomerView, UowFactory

Ctx = grpc.aio.ServicerContext


class SentimentServicer(sentiment_pb2_grpc.SentimentServiceServicer):
    def __init__(self, uow: UowFactory, analyzer: FairShare) -> None:
        self._uow = uow
        self._analyzer = analyzer

    async def Analyze(self, request: pb.AnalyzeRequest, context: Ctx) -> pb.AnalyzeResponse:
        # The tenant's fair share of the model, within the caller's deadline.
        lane = self._analyzer.lane(current_tenant(), remaining_time())
        scored = await analyze.analyze(texts=list(request.texts), scorer=lane)
        return pb.AnalyzeResponse(
            results=[proto.analyze_result(r) for r in scored.readings],
            model_version=scored.model_version,
        )

    async def GetMessageSentiment(
        self, request: pb.GetMessageSentimentRequest, context: Ctx
    ) -> pb.MessageSentiment:
        row = await overrides.get_message(
            tenant_id=current_tenant(), message_id=request.message_id, uow=self._uow
        )
        return proto.message(row)

    async def GetConversationSentiment(
        self, request: pb.GetConversationSentimentRequest, context: Ctx
    ) -> pb.ConversationSentiment:
        view = await overrides.get_conversation(
            tenant_id=current_tenant(), conversation_id=request.conversation_id, uow=self._uow
        )
        return _conversation(view)

    async def GetCustomerSentiment(
        self, request: pb.GetCustomerSentimentRequest, context: Ctx
    ) -> pb.CustomerSentiment:
        view = await overrides.get_customer(
            tenant_id=current_tenant(), customer_id=request.customer_id, uow=self._uow
        )
        return _customer(view)

    async def SetSentimentOverride(
        self, request: pb.SetSentimentOverrideRequest, context: Ctx
    ) -> pb.CustomerSentiment:
        view = await overrides.set_override(
            tenant_id=current_tenant(),
            customer_id=request.customer_id,
            label=proto.LABELS_BACK.get(request.label),
            reason=request.reason,
            set_by=request.set_by,
            uow=self._uow,
        )
        return _customer(view)

    async def ClearSentimentOverride(
        self, request: pb.ClearSentimentOverrideRequest, context: Ctx
    ) -> pb.CustomerSentiment:
        view = await overrides.clear_override(
            tenant_id=current_tenant(), customer_id=request.customer_id, uow=self._uow
        )
        return _customer(view)

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
