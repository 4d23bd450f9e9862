import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SentimentLabel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SENTIMENT_LABEL_UNSPECIFIED: _ClassVar[SentimentLabel]
    SENTIMENT_LABEL_HAPPY: _ClassVar[SentimentLabel]
    SENTIMENT_LABEL_NEUTRAL: _ClassVar[SentimentLabel]
    SENTIMENT_LABEL_FRUSTRATED: _ClassVar[SentimentLabel]

class SentimentTrend(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SENTIMENT_TREND_UNSPECIFIED: _ClassVar[SentimentTrend]
    SENTIMENT_TREND_IMPROVING: _ClassVar[SentimentTrend]
    SENTIMENT_TREND_STABLE: _ClassVar[SentimentTrend]
    SENTIMENT_TREND_DECLINING: _ClassVar[SentimentTrend]

class SentimentSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SENTIMENT_SOURCE_UNSPECIFIED: _ClassVar[SentimentSource]
    SENTIMENT_SOURCE_MODEL: _ClassVar[SentimentSource]
    SENTIMENT_SOURCE_OVERRIDE: _ClassVar[SentimentSource]
SENTIMENT_LABEL_UNSPECIFIED: SentimentLabel
SENTIMENT_LABEL_HAPPY: SentimentLabel
SENTIMENT_LABEL_NEUTRAL: SentimentLabel
SENTIMENT_LABEL_FRUSTRATED: SentimentLabel
SENTIMENT_TREND_UNSPECIFIED: SentimentTrend
SENTIMENT_TREND_IMPROVING: SentimentTrend
SENTIMENT_TREND_STABLE: SentimentTrend
SENTIMENT_TREND_DECLINING: SentimentTrend
SENTIMENT_SOURCE_UNSPECIFIED: SentimentSource
SENTIMENT_SOURCE_MODEL: SentimentSource
SENTIMENT_SOURCE_OVERRIDE: SentimentSource

class Emotions(_message.Message):
    __slots__ = ("frustration", "satisfaction", "confusion", "urgency")
    FRUSTRATION_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    CONFUSION_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    frustration: float
    satisfaction: float
    confusion: float
    urgency: float
    def __init__(self, frustration: _Optional[float] = ..., satisfaction: _Optional[float] = ..., confusion: _Optional[float] = ..., urgency: _Optional[float] = ...) -> None: ...

class Sentiment(_message.Message):
    __slots__ = ("label", "score", "emotions", "trend")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    label: SentimentLabel
    score: float
    emotions: Emotions
    trend: SentimentTrend
    def __init__(self, label: _Optional[_Union[SentimentLabel, str]] = ..., score: _Optional[float] = ..., emotions: _Optional[_Union[Emotions, _Mapping]] = ..., trend: _Optional[_Union[SentimentTrend, str]] = ...) -> None: ...

class AnalyzeRequest(_message.Message):
    __slots__ = ("texts", "language")
    TEXTS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    texts: _containers.RepeatedScalarFieldContainer[str]
    language: str
    def __init__(self, texts: _Optional[_Iterable[str]] = ..., language: _Optional[str] = ...) -> None: ...

class AnalyzeResult(_message.Message):
    __slots__ = ("label", "score", "emotions", "confidence", "explanation")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    label: SentimentLabel
    score: float
    emotions: Emotions
    confidence: float
    explanation: MessageExplanation
    def __init__(self, label: _Optional[_Union[SentimentLabel, str]] = ..., score: _Optional[float] = ..., emotions: _Optional[_Union[Emotions, _Mapping]] = ..., confidence: _Optional[float] = ..., explanation: _Optional[_Union[MessageExplanation, _Mapping]] = ...) -> None: ...

class SentimentSpan(_message.Message):
    __slots__ = ("start", "end", "text", "label", "score", "confidence", "emotions", "drives")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    DRIVES_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    text: str
    label: SentimentLabel
    score: float
    confidence: float
    emotions: Emotions
    drives: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ..., text: _Optional[str] = ..., label: _Optional[_Union[SentimentLabel, str]] = ..., score: _Optional[float] = ..., confidence: _Optional[float] = ..., emotions: _Optional[_Union[Emotions, _Mapping]] = ..., drives: _Optional[_Iterable[str]] = ...) -> None: ...

class MessageExplanation(_message.Message):
    __slots__ = ("spans", "sentences")
    SPANS_FIELD_NUMBER: _ClassVar[int]
    SENTENCES_FIELD_NUMBER: _ClassVar[int]
    spans: _containers.RepeatedCompositeFieldContainer[SentimentSpan]
    sentences: int
    def __init__(self, spans: _Optional[_Iterable[_Union[SentimentSpan, _Mapping]]] = ..., sentences: _Optional[int] = ...) -> None: ...

class AnalyzeResponse(_message.Message):
    __slots__ = ("results", "model_version")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[AnalyzeResult]
    model_version: str
    def __init__(self, results: _Optional[_Iterable[_Union[AnalyzeResult, _Mapping]]] = ..., model_version: _Optional[str] = ...) -> None: ...

class GetMessageSentimentRequest(_message.Message):
    __slots__ = ("message_id",)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class MessageSentiment(_message.Message):
    __slots__ = ("message_id", "conversation_id", "customer_id", "label", "score", "emotions", "confidence", "model_version", "scored_at", "explanation")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SCORED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    conversation_id: str
    customer_id: str
    label: SentimentLabel
    score: float
    emotions: Emotions
    confidence: float
    model_version: str
    scored_at: _timestamp_pb2.Timestamp
    explanation: MessageExplanation
    def __init__(self, message_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., label: _Optional[_Union[SentimentLabel, str]] = ..., score: _Optional[float] = ..., emotions: _Optional[_Union[Emotions, _Mapping]] = ..., confidence: _Optional[float] = ..., model_version: _Optional[str] = ..., scored_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., explanation: _Optional[_Union[MessageExplanation, _Mapping]] = ...) -> None: ...

class GetConversationSentimentRequest(_message.Message):
    __slots__ = ("conversation_id",)
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    def __init__(self, conversation_id: _Optional[str] = ...) -> None: ...

class ConversationSentiment(_message.Message):
    __slots__ = ("conversation_id", "customer_id", "sentiment", "message_count", "updated_at")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    customer_id: str
    sentiment: Sentiment
    message_count: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, conversation_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., sentiment: _Optional[_Union[Sentiment, _Mapping]] = ..., message_count: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetCustomerSentimentRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class SentimentOverride(_message.Message):
    __slots__ = ("label", "reason", "set_by", "set_at")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SET_BY_FIELD_NUMBER: _ClassVar[int]
    SET_AT_FIELD_NUMBER: _ClassVar[int]
    label: SentimentLabel
    reason: str
    set_by: str
    set_at: _timestamp_pb2.Timestamp
    def __init__(self, label: _Optional[_Union[SentimentLabel, str]] = ..., reason: _Optional[str] = ..., set_by: _Optional[str] = ..., set_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CustomerSentiment(_message.Message):
    __slots__ = ("customer_id", "sentiment", "source", "computed", "override", "explanation", "message_count", "updated_at", "drivers")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DRIVERS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    sentiment: Sentiment
    source: SentimentSource
    computed: Sentiment
    override: SentimentOverride
    explanation: str
    message_count: int
    updated_at: _timestamp_pb2.Timestamp
    drivers: CustomerSentimentDrivers
    def __init__(self, customer_id: _Optional[str] = ..., sentiment: _Optional[_Union[Sentiment, _Mapping]] = ..., source: _Optional[_Union[SentimentSource, str]] = ..., computed: _Optional[_Union[Sentiment, _Mapping]] = ..., override: _Optional[_Union[SentimentOverride, _Mapping]] = ..., explanation: _Optional[str] = ..., message_count: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., drivers: _Optional[_Union[CustomerSentimentDrivers, _Mapping]] = ...) -> None: ...

class SentimentContributor(_message.Message):
    __slots__ = ("source", "label", "polarity", "weight", "contribution")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    POLARITY_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    source: str
    label: SentimentLabel
    polarity: float
    weight: float
    contribution: float
    def __init__(self, source: _Optional[str] = ..., label: _Optional[_Union[SentimentLabel, str]] = ..., polarity: _Optional[float] = ..., weight: _Optional[float] = ..., contribution: _Optional[float] = ...) -> None: ...

class CustomerSentimentDrivers(_message.Message):
    __slots__ = ("contributors", "override_active", "override_remaining", "override_evidence")
    CONTRIBUTORS_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_REMAINING_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    contributors: _containers.RepeatedCompositeFieldContainer[SentimentContributor]
    override_active: bool
    override_remaining: float
    override_evidence: float
    def __init__(self, contributors: _Optional[_Iterable[_Union[SentimentContributor, _Mapping]]] = ..., override_active: _Optional[bool] = ..., override_remaining: _Optional[float] = ..., override_evidence: _Optional[float] = ...) -> None: ...

class SetSentimentOverrideRequest(_message.Message):
    __slots__ = ("customer_id", "label", "reason", "set_by")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SET_BY_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    label: SentimentLabel
    reason: str
    set_by: str
    def __init__(self, customer_id: _Optional[str] = ..., label: _Optional[_Union[SentimentLabel, str]] = ..., reason: _Optional[str] = ..., set_by: _Optional[str] = ...) -> None: ...

class ClearSentimentOverrideRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class GetSentimentSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SentimentSettings(_message.Message):
    __slots__ = ("reply_target_minutes",)
    class ReplyTargetMinutesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    REPLY_TARGET_MINUTES_FIELD_NUMBER: _ClassVar[int]
    reply_target_minutes: _containers.ScalarMap[str, int]
    def __init__(self, reply_target_minutes: _Optional[_Mapping[str, int]] = ...) -> None: ...

class UpdateSentimentSettingsRequest(_message.Message):
    __slots__ = ("reply_target_minutes",)
    class ReplyTargetMinutesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    REPLY_TARGET_MINUTES_FIELD_NUMBER: _ClassVar[int]
    reply_target_minutes: _containers.ScalarMap[str, int]
    def __init__(self, reply_target_minutes: _Optional[_Mapping[str, int]] = ...) -> None: ...
