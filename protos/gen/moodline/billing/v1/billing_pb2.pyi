import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class QuoteStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUOTE_STATUS_UNSPECIFIED: _ClassVar[QuoteStatus]
    QUOTE_STATUS_OPEN: _ClassVar[QuoteStatus]
    QUOTE_STATUS_CONVERTED: _ClassVar[QuoteStatus]
    QUOTE_STATUS_DECLINED: _ClassVar[QuoteStatus]

class IngestStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INGEST_STATUS_UNSPECIFIED: _ClassVar[IngestStatus]
    INGEST_STATUS_APPLIED: _ClassVar[IngestStatus]
    INGEST_STATUS_DUPLICATE: _ClassVar[IngestStatus]

class BookingStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BOOKING_STATUS_UNSPECIFIED: _ClassVar[BookingStatus]
    BOOKING_STATUS_PENDING: _ClassVar[BookingStatus]
    BOOKING_STATUS_CONFIRMED: _ClassVar[BookingStatus]
    BOOKING_STATUS_CANCELLED: _ClassVar[BookingStatus]
    BOOKING_STATUS_COMPLETED: _ClassVar[BookingStatus]
    BOOKING_STATUS_NO_SHOW: _ClassVar[BookingStatus]

class OrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_STATUS_UNSPECIFIED: _ClassVar[OrderStatus]
    ORDER_STATUS_PLACED: _ClassVar[OrderStatus]
    ORDER_STATUS_PAID: _ClassVar[OrderStatus]
    ORDER_STATUS_CANCELLED: _ClassVar[OrderStatus]
    ORDER_STATUS_REFUNDED: _ClassVar[OrderStatus]

class InvoiceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVOICE_STATUS_UNSPECIFIED: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_UNPAID: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_PAID: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_OVERDUE: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_VOID: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_DRAFT: _ClassVar[InvoiceStatus]

class PaymentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_STATUS_UNSPECIFIED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_SUCCEEDED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_FAILED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_REFUNDED: _ClassVar[PaymentStatus]
    PAYMENT_STATUS_PARTIALLY_REFUNDED: _ClassVar[PaymentStatus]

class PaymentMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_METHOD_UNSPECIFIED: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_CARD: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_CASH: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_BANK_TRANSFER: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_WALLET: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_OTHER: _ClassVar[PaymentMethod]

class SubscriptionInterval(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBSCRIPTION_INTERVAL_UNSPECIFIED: _ClassVar[SubscriptionInterval]
    SUBSCRIPTION_INTERVAL_WEEKLY: _ClassVar[SubscriptionInterval]
    SUBSCRIPTION_INTERVAL_MONTHLY: _ClassVar[SubscriptionInterval]
    SUBSCRIPTION_INTERVAL_YEARLY: _ClassVar[SubscriptionInterval]

class SubscriptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBSCRIPTION_STATUS_UNSPECIFIED: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_ACTIVE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_PAST_DUE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_CANCELLED: _ClassVar[SubscriptionStatus]
QUOTE_STATUS_UNSPECIFIED: QuoteStatus
QUOTE_STATUS_OPEN: QuoteStatus
QUOTE_STATUS_CONVERTED: QuoteStatus
QUOTE_STATUS_DECLINED: QuoteStatus
INGEST_STATUS_UNSPECIFIED: IngestStatus
INGEST_STATUS_APPLIED: IngestStatus
INGEST_STATUS_DUPLICATE: IngestStatus
BOOKING_STATUS_UNSPECIFIED: BookingStatus
BOOKING_STATUS_PENDING: BookingStatus
BOOKING_STATUS_CONFIRMED: BookingStatus
BOOKING_STATUS_CANCELLED: BookingStatus
BOOKING_STATUS_COMPLETED: BookingStatus
BOOKING_STATUS_NO_SHOW: BookingStatus
ORDER_STATUS_UNSPECIFIED: OrderStatus
ORDER_STATUS_PLACED: OrderStatus
ORDER_STATUS_PAID: OrderStatus
ORDER_STATUS_CANCELLED: OrderStatus
ORDER_STATUS_REFUNDED: OrderStatus
INVOICE_STATUS_UNSPECIFIED: InvoiceStatus
INVOICE_STATUS_UNPAID: InvoiceStatus
INVOICE_STATUS_PAID: InvoiceStatus
INVOICE_STATUS_OVERDUE: InvoiceStatus
INVOICE_STATUS_VOID: InvoiceStatus
INVOICE_STATUS_DRAFT: InvoiceStatus
PAYMENT_STATUS_UNSPECIFIED: PaymentStatus
PAYMENT_STATUS_SUCCEEDED: PaymentStatus
PAYMENT_STATUS_FAILED: PaymentStatus
PAYMENT_STATUS_REFUNDED: PaymentStatus
PAYMENT_STATUS_PARTIALLY_REFUNDED: PaymentStatus
PAYMENT_METHOD_UNSPECIFIED: PaymentMethod
PAYMENT_METHOD_CARD: PaymentMethod
PAYMENT_METHOD_CASH: PaymentMethod
PAYMENT_METHOD_BANK_TRANSFER: PaymentMethod
PAYMENT_METHOD_WALLET: PaymentMethod
PAYMENT_METHOD_OTHER: PaymentMethod
SUBSCRIPTION_INTERVAL_UNSPECIFIED: SubscriptionInterval
SUBSCRIPTION_INTERVAL_WEEKLY: SubscriptionInterval
SUBSCRIPTION_INTERVAL_MONTHLY: SubscriptionInterval
SUBSCRIPTION_INTERVAL_YEARLY: SubscriptionInterval
SUBSCRIPTION_STATUS_UNSPECIFIED: SubscriptionStatus
SUBSCRIPTION_STATUS_ACTIVE: SubscriptionStatus
SUBSCRIPTION_STATUS_PAST_DUE: SubscriptionStatus
SUBSCRIPTION_STATUS_CANCELLED: SubscriptionStatus

class BillingSettings(_message.Message):
    __slots__ = ("currency",)
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    currency: str
    def __init__(self, currency: _Optional[str] = ...) -> None: ...

class GetBillingSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateBillingSettingsRequest(_message.Message):
    __slots__ = ("currency",)
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    currency: str
    def __init__(self, currency: _Optional[str] = ...) -> None: ...

class CatalogService(_message.Message):
    __slots__ = ("id", "name", "duration_minutes", "price", "active", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    duration_minutes: int
    price: Money
    active: bool
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., price: _Optional[_Union[Money, _Mapping]] = ..., active: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateCatalogServiceRequest(_message.Message):
    __slots__ = ("name", "duration_minutes", "price")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    name: str
    duration_minutes: int
    price: Money
    def __init__(self, name: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., price: _Optional[_Union[Money, _Mapping]] = ...) -> None: ...

class GetCatalogServiceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListCatalogServicesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCatalogServicesResponse(_message.Message):
    __slots__ = ("services",)
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    services: _containers.RepeatedCompositeFieldContainer[CatalogService]
    def __init__(self, services: _Optional[_Iterable[_Union[CatalogService, _Mapping]]] = ...) -> None: ...

class StaffMember(_message.Message):
    __slots__ = ("id", "name", "colour", "active", "user_id", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    COLOUR_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    colour: str
    active: bool
    user_id: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., colour: _Optional[str] = ..., active: _Optional[bool] = ..., user_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateStaffMemberRequest(_message.Message):
    __slots__ = ("name", "colour", "user_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COLOUR_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    colour: str
    user_id: str
    def __init__(self, name: _Optional[str] = ..., colour: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class GetStaffMemberRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListStaffMembersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListStaffMembersResponse(_message.Message):
    __slots__ = ("staff",)
    STAFF_FIELD_NUMBER: _ClassVar[int]
    staff: _containers.RepeatedCompositeFieldContainer[StaffMember]
    def __init__(self, staff: _Optional[_Iterable[_Union[StaffMember, _Mapping]]] = ...) -> None: ...

class Quote(_message.Message):
    __slots__ = ("id", "number", "customer_id", "items", "subtotal", "tax", "total", "status", "valid_until", "invoice_id", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    number: str
    customer_id: str
    items: _containers.RepeatedCompositeFieldContainer[LineItem]
    subtotal: Money
    tax: Money
    total: Money
    status: QuoteStatus
    valid_until: _timestamp_pb2.Timestamp
    invoice_id: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., number: _Optional[str] = ..., customer_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ..., subtotal: _Optional[_Union[Money, _Mapping]] = ..., tax: _Optional[_Union[Money, _Mapping]] = ..., total: _Optional[_Union[Money, _Mapping]] = ..., status: _Optional[_Union[QuoteStatus, str]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., invoice_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateQuoteRequest(_message.Message):
    __slots__ = ("customer_id", "items", "tax", "valid_until")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    items: _containers.RepeatedCompositeFieldContainer[LineItem]
    tax: Money
    valid_until: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ..., tax: _Optional[_Union[Money, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetQuoteRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListQuotesRequest(_message.Message):
    __slots__ = ("customer_id", "statuses", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    statuses: _containers.RepeatedScalarFieldContainer[QuoteStatus]
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[QuoteStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListQuotesResponse(_message.Message):
    __slots__ = ("quotes", "next_page_token")
    QUOTES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    quotes: _containers.RepeatedCompositeFieldContainer[Quote]
    next_page_token: str
    def __init__(self, quotes: _Optional[_Iterable[_Union[Quote, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ConvertQuoteRequest(_message.Message):
    __slots__ = ("id", "due_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    due_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeclineQuoteRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WebhookEndpoint(_message.Message):
    __slots__ = ("id", "provider", "secret")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    id: str
    provider: str
    secret: str
    def __init__(self, id: _Optional[str] = ..., provider: _Optional[str] = ..., secret: _Optional[str] = ...) -> None: ...

class CreateWebhookEndpointRequest(_message.Message):
    __slots__ = ("provider",)
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: str
    def __init__(self, provider: _Optional[str] = ...) -> None: ...

class IngestProviderEventRequest(_message.Message):
    __slots__ = ("provider", "endpoint_id", "timestamp", "signature", "body")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    provider: str
    endpoint_id: str
    timestamp: int
    signature: str
    body: bytes
    def __init__(self, provider: _Optional[str] = ..., endpoint_id: _Optional[str] = ..., timestamp: _Optional[int] = ..., signature: _Optional[str] = ..., body: _Optional[bytes] = ...) -> None: ...

class IngestProviderEventResponse(_message.Message):
    __slots__ = ("status", "event_id", "payment")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    status: IngestStatus
    event_id: str
    payment: Payment
    def __init__(self, status: _Optional[_Union[IngestStatus, str]] = ..., event_id: _Optional[str] = ..., payment: _Optional[_Union[Payment, _Mapping]] = ...) -> None: ...

class Money(_message.Message):
    __slots__ = ("amount_minor", "currency")
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    amount_minor: int
    currency: str
    def __init__(self, amount_minor: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class PartyMember(_message.Message):
    __slots__ = ("customer_id", "name", "share")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    name: str
    share: Money
    def __init__(self, customer_id: _Optional[str] = ..., name: _Optional[str] = ..., share: _Optional[_Union[Money, _Mapping]] = ...) -> None: ...

class Booking(_message.Message):
    __slots__ = ("id", "customer_id", "service_id", "service_name", "staff_id", "start_time", "end_time", "status", "party_members", "price", "location", "notes", "cancellation_reason", "cancelled_at", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PARTY_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    service_id: str
    service_name: str
    staff_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    status: BookingStatus
    party_members: _containers.RepeatedCompositeFieldContainer[PartyMember]
    price: Money
    location: str
    notes: str
    cancellation_reason: str
    cancelled_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., service_id: _Optional[str] = ..., service_name: _Optional[str] = ..., staff_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[BookingStatus, str]] = ..., party_members: _Optional[_Iterable[_Union[PartyMember, _Mapping]]] = ..., price: _Optional[_Union[Money, _Mapping]] = ..., location: _Optional[str] = ..., notes: _Optional[str] = ..., cancellation_reason: _Optional[str] = ..., cancelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateBookingRequest(_message.Message):
    __slots__ = ("booking", "confirm")
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    booking: Booking
    confirm: bool
    def __init__(self, booking: _Optional[_Union[Booking, _Mapping]] = ..., confirm: _Optional[bool] = ...) -> None: ...

class GetBookingRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListBookingsRequest(_message.Message):
    __slots__ = ("customer_id", "staff_id", "statuses", "start_after", "start_before", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STAFF_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    START_AFTER_FIELD_NUMBER: _ClassVar[int]
    START_BEFORE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    staff_id: str
    statuses: _containers.RepeatedScalarFieldContainer[BookingStatus]
    start_after: _timestamp_pb2.Timestamp
    start_before: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., staff_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[BookingStatus, str]]] = ..., start_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBookingsResponse(_message.Message):
    __slots__ = ("bookings", "next_page_token")
    BOOKINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    bookings: _containers.RepeatedCompositeFieldContainer[Booking]
    next_page_token: str
    def __init__(self, bookings: _Optional[_Iterable[_Union[Booking, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateBookingRequest(_message.Message):
    __slots__ = ("booking", "update_mask")
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    booking: Booking
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, booking: _Optional[_Union[Booking, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class ConfirmBookingRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CancelBookingRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CompleteBookingRequest(_message.Message):
    __slots__ = ("id", "no_show")
    ID_FIELD_NUMBER: _ClassVar[int]
    NO_SHOW_FIELD_NUMBER: _ClassVar[int]
    id: str
    no_show: bool
    def __init__(self, id: _Optional[str] = ..., no_show: _Optional[bool] = ...) -> None: ...

class LineItem(_message.Message):
    __slots__ = ("description", "quantity", "unit_price", "total", "service_id")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    description: str
    quantity: int
    unit_price: Money
    total: Money
    service_id: str
    def __init__(self, description: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_price: _Optional[_Union[Money, _Mapping]] = ..., total: _Optional[_Union[Money, _Mapping]] = ..., service_id: _Optional[str] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("id", "customer_id", "items", "total", "status", "booking_id", "created_at", "updated_at", "amount_paid", "amount_due", "paid_at", "cancelled_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BOOKING_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    PAID_AT_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    items: _containers.RepeatedCompositeFieldContainer[LineItem]
    total: Money
    status: OrderStatus
    booking_id: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    amount_paid: Money
    amount_due: Money
    paid_at: _timestamp_pb2.Timestamp
    cancelled_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ..., total: _Optional[_Union[Money, _Mapping]] = ..., status: _Optional[_Union[OrderStatus, str]] = ..., booking_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., amount_paid: _Optional[_Union[Money, _Mapping]] = ..., amount_due: _Optional[_Union[Money, _Mapping]] = ..., paid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateOrderRequest(_message.Message):
    __slots__ = ("customer_id", "items", "booking_id", "request_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    BOOKING_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    items: _containers.RepeatedCompositeFieldContainer[LineItem]
    booking_id: str
    request_id: str
    def __init__(self, customer_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ..., booking_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListOrdersRequest(_message.Message):
    __slots__ = ("customer_id", "statuses", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    statuses: _containers.RepeatedScalarFieldContainer[OrderStatus]
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[OrderStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListOrdersResponse(_message.Message):
    __slots__ = ("orders", "next_page_token")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    next_page_token: str
    def __init__(self, orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("id", "number", "customer_id", "order_id", "booking_id", "items", "subtotal", "tax", "total", "amount_paid", "amount_due", "status", "issued_at", "due_at", "paid_at", "quote_id", "subscription_id", "voided_at", "void_reason", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKING_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SUBTOTAL_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    PAID_AT_FIELD_NUMBER: _ClassVar[int]
    QUOTE_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    VOIDED_AT_FIELD_NUMBER: _ClassVar[int]
    VOID_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    number: str
    customer_id: str
    order_id: str
    booking_id: str
    items: _containers.RepeatedCompositeFieldContainer[LineItem]
    subtotal: Money
    tax: Money
    total: Money
    amount_paid: Money
    amount_due: Money
    status: InvoiceStatus
    issued_at: _timestamp_pb2.Timestamp
    due_at: _timestamp_pb2.Timestamp
    paid_at: _timestamp_pb2.Timestamp
    quote_id: str
    subscription_id: str
    voided_at: _timestamp_pb2.Timestamp
    void_reason: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., number: _Optional[str] = ..., customer_id: _Optional[str] = ..., order_id: _Optional[str] = ..., booking_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ..., subtotal: _Optional[_Union[Money, _Mapping]] = ..., tax: _Optional[_Union[Money, _Mapping]] = ..., total: _Optional[_Union[Money, _Mapping]] = ..., amount_paid: _Optional[_Union[Money, _Mapping]] = ..., amount_due: _Optional[_Union[Money, _Mapping]] = ..., status: _Optional[_Union[InvoiceStatus, str]] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., quote_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., voided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., void_reason: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateInvoiceRequest(_message.Message):
    __slots__ = ("customer_id", "items", "tax", "due_at", "order_id", "booking_id", "draft")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKING_ID_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    items: _containers.RepeatedCompositeFieldContainer[LineItem]
    tax: Money
    due_at: _timestamp_pb2.Timestamp
    order_id: str
    booking_id: str
    draft: bool
    def __init__(self, customer_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ..., tax: _Optional[_Union[Money, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., order_id: _Optional[str] = ..., booking_id: _Optional[str] = ..., draft: _Optional[bool] = ...) -> None: ...

class IssueInvoiceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetInvoiceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListInvoicesRequest(_message.Message):
    __slots__ = ("customer_id", "statuses", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    statuses: _containers.RepeatedScalarFieldContainer[InvoiceStatus]
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[InvoiceStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "next_page_token")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[Invoice]
    next_page_token: str
    def __init__(self, invoices: _Optional[_Iterable[_Union[Invoice, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class VoidInvoiceRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Payment(_message.Message):
    __slots__ = ("id", "customer_id", "invoice_id", "order_id", "booking_id", "subscription_id", "amount", "status", "method", "provider", "provider_payment_id", "failure_code", "failure_message", "refunded_amount", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKING_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    FAILURE_CODE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    invoice_id: str
    order_id: str
    booking_id: str
    subscription_id: str
    amount: Money
    status: PaymentStatus
    method: PaymentMethod
    provider: str
    provider_payment_id: str
    failure_code: str
    failure_message: str
    refunded_amount: Money
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., invoice_id: _Optional[str] = ..., order_id: _Optional[str] = ..., booking_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., status: _Optional[_Union[PaymentStatus, str]] = ..., method: _Optional[_Union[PaymentMethod, str]] = ..., provider: _Optional[str] = ..., provider_payment_id: _Optional[str] = ..., failure_code: _Optional[str] = ..., failure_message: _Optional[str] = ..., refunded_amount: _Optional[_Union[Money, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordPaymentRequest(_message.Message):
    __slots__ = ("customer_id", "invoice_id", "order_id", "booking_id", "subscription_id", "amount", "status", "method", "provider", "provider_payment_id", "failure_code", "failure_message", "processed_at")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKING_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    FAILURE_CODE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_AT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    invoice_id: str
    order_id: str
    booking_id: str
    subscription_id: str
    amount: Money
    status: PaymentStatus
    method: PaymentMethod
    provider: str
    provider_payment_id: str
    failure_code: str
    failure_message: str
    processed_at: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., invoice_id: _Optional[str] = ..., order_id: _Optional[str] = ..., booking_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., status: _Optional[_Union[PaymentStatus, str]] = ..., method: _Optional[_Union[PaymentMethod, str]] = ..., provider: _Optional[str] = ..., provider_payment_id: _Optional[str] = ..., failure_code: _Optional[str] = ..., failure_message: _Optional[str] = ..., processed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetPaymentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListPaymentsRequest(_message.Message):
    __slots__ = ("customer_id", "statuses", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    statuses: _containers.RepeatedScalarFieldContainer[PaymentStatus]
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[PaymentStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPaymentsResponse(_message.Message):
    __slots__ = ("payments", "next_page_token")
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    payments: _containers.RepeatedCompositeFieldContainer[Payment]
    next_page_token: str
    def __init__(self, payments: _Optional[_Iterable[_Union[Payment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RefundPaymentRequest(_message.Message):
    __slots__ = ("id", "amount", "reason", "idempotency_key")
    ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    amount: Money
    reason: str
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class Subscription(_message.Message):
    __slots__ = ("id", "customer_id", "plan_name", "price", "interval", "status", "started_at", "current_period_end", "cancel_at_period_end", "cancelled_at", "provider", "failed_charges", "next_charge_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    FAILED_CHARGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_CHARGE_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    plan_name: str
    price: Money
    interval: SubscriptionInterval
    status: SubscriptionStatus
    started_at: _timestamp_pb2.Timestamp
    current_period_end: _timestamp_pb2.Timestamp
    cancel_at_period_end: bool
    cancelled_at: _timestamp_pb2.Timestamp
    provider: str
    failed_charges: int
    next_charge_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., plan_name: _Optional[str] = ..., price: _Optional[_Union[Money, _Mapping]] = ..., interval: _Optional[_Union[SubscriptionInterval, str]] = ..., status: _Optional[_Union[SubscriptionStatus, str]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current_period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_at_period_end: _Optional[bool] = ..., cancelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provider: _Optional[str] = ..., failed_charges: _Optional[int] = ..., next_charge_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateSubscriptionRequest(_message.Message):
    __slots__ = ("customer_id", "plan_name", "price", "interval", "start_at", "provider")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    START_AT_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    plan_name: str
    price: Money
    interval: SubscriptionInterval
    start_at: _timestamp_pb2.Timestamp
    provider: str
    def __init__(self, customer_id: _Optional[str] = ..., plan_name: _Optional[str] = ..., price: _Optional[_Union[Money, _Mapping]] = ..., interval: _Optional[_Union[SubscriptionInterval, str]] = ..., start_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., provider: _Optional[str] = ...) -> None: ...

class GetSubscriptionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListSubscriptionsRequest(_message.Message):
    __slots__ = ("customer_id", "statuses", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    statuses: _containers.RepeatedScalarFieldContainer[SubscriptionStatus]
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[SubscriptionStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSubscriptionsResponse(_message.Message):
    __slots__ = ("subscriptions", "next_page_token")
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[Subscription]
    next_page_token: str
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[Subscription, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelSubscriptionRequest(_message.Message):
    __slots__ = ("id", "at_period_end", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    at_period_end: bool
    reason: str
    def __init__(self, id: _Optional[str] = ..., at_period_end: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class GetCustomerValueRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class CustomerValue(_message.Message):
    __slots__ = ("customer_id", "lifetime_value", "other_currency_lifetime_values", "bookings_count", "purchases_count", "average_order_value", "total_paid", "outstanding", "overdue_invoices_count", "recent_failed_payments_count", "first_purchase_at", "last_purchase_at")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_VALUE_FIELD_NUMBER: _ClassVar[int]
    OTHER_CURRENCY_LIFETIME_VALUES_FIELD_NUMBER: _ClassVar[int]
    BOOKINGS_COUNT_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_COUNT_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_PAID_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_INVOICES_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECENT_FAILED_PAYMENTS_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_PURCHASE_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_PURCHASE_AT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    lifetime_value: Money
    other_currency_lifetime_values: _containers.RepeatedCompositeFieldContainer[Money]
    bookings_count: int
    purchases_count: int
    average_order_value: Money
    total_paid: Money
    outstanding: Money
    overdue_invoices_count: int
    recent_failed_payments_count: int
    first_purchase_at: _timestamp_pb2.Timestamp
    last_purchase_at: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., lifetime_value: _Optional[_Union[Money, _Mapping]] = ..., other_currency_lifetime_values: _Optional[_Iterable[_Union[Money, _Mapping]]] = ..., bookings_count: _Optional[int] = ..., purchases_count: _Optional[int] = ..., average_order_value: _Optional[_Union[Money, _Mapping]] = ..., total_paid: _Optional[_Union[Money, _Mapping]] = ..., outstanding: _Optional[_Union[Money, _Mapping]] = ..., overdue_invoices_count: _Optional[int] = ..., recent_failed_payments_count: _Optional[int] = ..., first_purchase_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_purchase_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
