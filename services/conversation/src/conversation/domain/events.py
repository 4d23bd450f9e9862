"""Subjects of the events this service publishes (`<service>.<entity>.<past-tense-verb>`)."""

MESSAGE_RECEIVED = "conversation.message.received"
CONVERSATION_OPENED = "conversation.conversation.opened"
CONVERSATION_ESCALATED = "conversation.conversation.escalated"
CONVERSATION_RATED = "conversation.conversation.rated"
CONVERSATION_CLOSED = "conversation.conversation.closed"
CONVERSATION_REOPENED = "conversation.conversation.reopened"
OUTBOUND_CHANGED = "conversation.outbound.changed"
