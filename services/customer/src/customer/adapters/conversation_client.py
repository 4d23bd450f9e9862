"""The conversation service's message search, used by the list's `q`."""

from __future__ import annotations

import uuid

import grpc
from moodline.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from moodline_kit.grpc.client import create_channel, tenant_metadata


class ConversationSearch:
    def __init__(self, address: str, *, timeout: float) -> None:
        self._channel: grpc.aio.Channel = create_channel(address, default_timeout=timeout)
        self._stub = conversation_pb2_grpc.ConversationServiceStub(self._channel)
        self._timeout = timeout

    async def __call__(self, tenant_id: uuid.UUID, query: str) -> list[str]:
        """Ids of customers with a message matching `query`, best first (at most 1000)."""
        response = await self._stub.SearchMessages(
            conversation_pb2.SearchMessagesRequest(query=query, page_size=1),
            metadata=tenant_metadata(str(tenant_id)),
            timeout=self._timeout,
        )
        return list(response.customer_ids)

    async def close(self) -> None:
        await self._channel.close()
