"""gRPC entrypoint: translate requests into handler calls, results into messages."""

from __future__ import annotations

import grpc
from moodline.sentiment.v1 import sentiment_pb2 as pb
from moodline.sentiment.v1 import sentiment_pb2_grpc
from moodline_kit.grpc.interceptors import remaining_time
from moodline_kit.tenancy import current_tenant

from sentiment.adapters import proto
from sentiment.adapters.fair_share import FairShare
from sentiment.service_layer import handlers
from sentiment.service_layer.handlers import UowFactory

Ctx = grpc.aio.ServicerContext


class SentimentServicer(sentiment_pb2_grpc.SentimentServiceServicer):
    def __init__(self, uow: UowFactory, analyzer: FairShare) -> None:
        self._uow = uow
        self._analyzer = analyzer

    async def Analyze(self, request: pb.AnalyzeRequest, context: Ctx) -> pb.AnalyzeResponse:
        # The tenant's fair share of the model, within the caller's deadline.
        lane = self._analyzer.lane(current_tenant(), remaining_time())
        scored = await handlers.analyze(texts=list(request.texts), scorer=lane)
        return pb.AnalyzeResponse(
            results=[proto.analyze_result(s) for s in scored.scores],
            model_version=scored.model_version,
        )

    async def GetMessageSentiment(
        self, request: pb.GetMessageSentimentRequest, context: Ctx
    ) -> pb.MessageSentiment:
        return await handlers.get_message(
            tenant_id=current_tenant(), message_id=request.message_id, uow=self._uow
        )

    async def GetConversationSentiment(
        self, request: pb.GetConversationSentimentRequest, context: Ctx
    ) -> pb.ConversationSentiment:
        return await handlers.get_conversation(
            tenant_id=current_tenant(), conversation_id=request.conversation_id, uow=self._uow
        )

    async def GetCustomerSentiment(
        self, request: pb.GetCustomerSentimentRequest, context: Ctx
    ) -> pb.CustomerSentiment:
        return await handlers.get_customer(
            tenant_id=current_tenant(), customer_id=request.customer_id, uow=self._uow
        )

    async def SetSentimentOverride(
        self, request: pb.SetSentimentOverrideRequest, context: Ctx
    ) -> pb.CustomerSentiment:
        return await handlers.set_override(
            tenant_id=current_tenant(),
            customer_id=request.customer_id,
            label=request.label,
            reason=request.reason,
            set_by=request.set_by,
            uow=self._uow,
        )

    async def ClearSentimentOverride(
        self, request: pb.ClearSentimentOverrideRequest, context: Ctx
    ) -> pb.CustomerSentiment:
        return await handlers.clear_override(
            tenant_id=current_tenant(), customer_id=request.customer_id, uow=self._uow
        )

    async def GetSentimentSettings(
        self, request: pb.GetSentimentSettingsRequest, context: Ctx
    ) -> pb.SentimentSettings:
        return await handlers.get_settings(tenant_id=current_tenant(), uow=self._uow)

    async def UpdateSentimentSettings(
        self, request: pb.UpdateSentimentSettingsRequest, context: Ctx
    ) -> pb.SentimentSettings:
        return await handlers.update_settings(
            tenant_id=current_tenant(),
            reply_target_minutes=dict(request.reply_target_minutes),
            uow=self._uow,
        )
