from __future__ import annotations

from moodline_kit.uow import UnitOfWork

from conversation.adapters.contacts import ContactRepository
from conversation.adapters.customer_data import CustomerDataRepository
from conversation.adapters.outbound import OutboundRepository
from conversation.adapters.repository import ConversationRepository, MessageRepository


class ConversationUnitOfWork(UnitOfWork):
    conversations: ConversationRepository
    messages: MessageRepository
    contacts: ContactRepository
    outbound: OutboundRepository
    customer_data: CustomerDataRepository

    def _start(self) -> None:
        self.conversations = ConversationRepository(self.session)
        self.messages = MessageRepository(self.session)
        self.contacts = ContactRepository(self.session)
        self.outbound = OutboundRepository(self.session)
        self.customer_data = CustomerDataRepository(self.session)
