from moodline.sentiment.v1 import sentiment_pb2 as _sentiment_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MessageScored(_message.Message):
    __slots__ = ("message_id", "conversation_id", "customer_id", "label", "score", "emotions", "confidence", "model_version")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    conversation_id: str
    customer_id: str
    label: _sentiment_pb2.SentimentLabel
    score: float
    emotions: _sentiment_pb2.Emotions
    confidence: float
    model_version: str
    def __init__(self, message_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., label: _Optional[_Union[_sentiment_pb2.SentimentLabel, str]] = ..., score: _Optional[float] = ..., emotions: _Optional[_Union[_sentiment_pb2.Emotions, _Mapping]] = ..., confidence: _Optional[float] = ..., model_version: _Optional[str] = ...) -> None: ...

class ConversationSentimentChanged(_message.Message):
    __slots__ = ("conversation_id", "customer_id", "sentiment", "previous_label")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_LABEL_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    customer_id: str
    sentiment: _sentiment_pb2.Sentiment
    previous_label: _sentiment_pb2.SentimentLabel
    def __init__(self, conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., sentiment: _Optional[_Union[_sentiment_pb2.Sentiment, _Mapping]] = ..., previous_label: _Optional[_Union[_sentiment_pb2.SentimentLabel, str]] = ...) -> None: ...

class CustomerSentimentChanged(_message.Message):
    __slots__ = ("customer_id", "sentiment", "previous_label", "source", "explanation")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_LABEL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    sentiment: _sentiment_pb2.Sentiment
    previous_label: _sentiment_pb2.SentimentLabel
    source: _sentiment_pb2.SentimentSource
    explanation: str
    def __init__(self, customer_id: _Optional[str] = ..., sentiment: _Optional[_Union[_sentiment_pb2.Sentiment, _Mapping]] = ..., previous_label: _Optional[_Union[_sentiment_pb2.SentimentLabel, str]] = ..., source: _Optional[_Union[_sentiment_pb2.SentimentSource, str]] = ..., explanation: _Optional[str] = ...) -> None: ...

class SentimentCustomerReassigned(_message.Message):
    __slots__ = ("operation_id", "from_customer_id", "to_customer_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    from_customer_id: str
    to_customer_id: str
    def __init__(self, operation_id: _Optional[str] = ..., from_customer_id: _Optional[str] = ..., to_customer_id: _Optional[str] = ...) -> None: ...

class SentimentCustomerErased(_message.Message):
    __slots__ = ("operation_id", "customer_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    customer_id: str
    def __init__(self, operation_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...
