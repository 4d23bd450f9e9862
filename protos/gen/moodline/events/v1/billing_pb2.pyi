import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from moodline.billing.v1 import billing_pb2 as _billing_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BookingCreated(_message.Message):
    __slots__ = ("customer_id", "booking")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    booking: _billing_pb2.Booking
    def __init__(self, customer_id: _Optional[str] = ..., booking: _Optional[_Union[_billing_pb2.Booking, _Mapping]] = ...) -> None: ...

class BookingConfirmed(_message.Message):
    __slots__ = ("customer_id", "booking")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    booking: _billing_pb2.Booking
    def __init__(self, customer_id: _Optional[str] = ..., booking: _Optional[_Union[_billing_pb2.Booking, _Mapping]] = ...) -> None: ...

class BookingRescheduled(_message.Message):
    __slots__ = ("customer_id", "booking", "previous_start_time")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_START_TIME_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    booking: _billing_pb2.Booking
    previous_start_time: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., booking: _Optional[_Union[_billing_pb2.Booking, _Mapping]] = ..., previous_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BookingCancelled(_message.Message):
    __slots__ = ("customer_id", "booking", "was_confirmed")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    WAS_CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    booking: _billing_pb2.Booking
    was_confirmed: bool
    def __init__(self, customer_id: _Optional[str] = ..., booking: _Optional[_Union[_billing_pb2.Booking, _Mapping]] = ..., was_confirmed: _Optional[bool] = ...) -> None: ...

class BookingCompleted(_message.Message):
    __slots__ = ("customer_id", "booking")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    booking: _billing_pb2.Booking
    def __init__(self, customer_id: _Optional[str] = ..., booking: _Optional[_Union[_billing_pb2.Booking, _Mapping]] = ...) -> None: ...

class BookingNoShowed(_message.Message):
    __slots__ = ("customer_id", "booking")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    BOOKING_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    booking: _billing_pb2.Booking
    def __init__(self, customer_id: _Optional[str] = ..., booking: _Optional[_Union[_billing_pb2.Booking, _Mapping]] = ...) -> None: ...

class OrderPlaced(_message.Message):
    __slots__ = ("customer_id", "order")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    order: _billing_pb2.Order
    def __init__(self, customer_id: _Optional[str] = ..., order: _Optional[_Union[_billing_pb2.Order, _Mapping]] = ...) -> None: ...

class OrderPaid(_message.Message):
    __slots__ = ("customer_id", "order")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    order: _billing_pb2.Order
    def __init__(self, customer_id: _Optional[str] = ..., order: _Optional[_Union[_billing_pb2.Order, _Mapping]] = ...) -> None: ...

class OrderCancelled(_message.Message):
    __slots__ = ("customer_id", "order", "reason")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    order: _billing_pb2.Order
    reason: str
    def __init__(self, customer_id: _Optional[str] = ..., order: _Optional[_Union[_billing_pb2.Order, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class InvoiceIssued(_message.Message):
    __slots__ = ("customer_id", "invoice")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    invoice: _billing_pb2.Invoice
    def __init__(self, customer_id: _Optional[str] = ..., invoice: _Optional[_Union[_billing_pb2.Invoice, _Mapping]] = ...) -> None: ...

class InvoicePaid(_message.Message):
    __slots__ = ("customer_id", "invoice")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    invoice: _billing_pb2.Invoice
    def __init__(self, customer_id: _Optional[str] = ..., invoice: _Optional[_Union[_billing_pb2.Invoice, _Mapping]] = ...) -> None: ...

class InvoiceOverdue(_message.Message):
    __slots__ = ("customer_id", "invoice")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    invoice: _billing_pb2.Invoice
    def __init__(self, customer_id: _Optional[str] = ..., invoice: _Optional[_Union[_billing_pb2.Invoice, _Mapping]] = ...) -> None: ...

class InvoiceVoided(_message.Message):
    __slots__ = ("customer_id", "invoice")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    invoice: _billing_pb2.Invoice
    def __init__(self, customer_id: _Optional[str] = ..., invoice: _Optional[_Union[_billing_pb2.Invoice, _Mapping]] = ...) -> None: ...

class PaymentSucceeded(_message.Message):
    __slots__ = ("customer_id", "payment")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    payment: _billing_pb2.Payment
    def __init__(self, customer_id: _Optional[str] = ..., payment: _Optional[_Union[_billing_pb2.Payment, _Mapping]] = ...) -> None: ...

class PaymentFailed(_message.Message):
    __slots__ = ("customer_id", "payment")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    payment: _billing_pb2.Payment
    def __init__(self, customer_id: _Optional[str] = ..., payment: _Optional[_Union[_billing_pb2.Payment, _Mapping]] = ...) -> None: ...

class PaymentRefunded(_message.Message):
    __slots__ = ("customer_id", "payment", "refund_amount")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    REFUND_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    payment: _billing_pb2.Payment
    refund_amount: _billing_pb2.Money
    def __init__(self, customer_id: _Optional[str] = ..., payment: _Optional[_Union[_billing_pb2.Payment, _Mapping]] = ..., refund_amount: _Optional[_Union[_billing_pb2.Money, _Mapping]] = ...) -> None: ...

class SubscriptionStarted(_message.Message):
    __slots__ = ("customer_id", "subscription")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    subscription: _billing_pb2.Subscription
    def __init__(self, customer_id: _Optional[str] = ..., subscription: _Optional[_Union[_billing_pb2.Subscription, _Mapping]] = ...) -> None: ...

class SubscriptionRenewed(_message.Message):
    __slots__ = ("customer_id", "subscription", "invoice")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    subscription: _billing_pb2.Subscription
    invoice: _billing_pb2.Invoice
    def __init__(self, customer_id: _Optional[str] = ..., subscription: _Optional[_Union[_billing_pb2.Subscription, _Mapping]] = ..., invoice: _Optional[_Union[_billing_pb2.Invoice, _Mapping]] = ...) -> None: ...

class SubscriptionCancelled(_message.Message):
    __slots__ = ("customer_id", "subscription", "reason")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    subscription: _billing_pb2.Subscription
    reason: str
    def __init__(self, customer_id: _Optional[str] = ..., subscription: _Optional[_Union[_billing_pb2.Subscription, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class CustomerValueChanged(_message.Message):
    __slots__ = ("customer_id", "value")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    value: _billing_pb2.CustomerValue
    def __init__(self, customer_id: _Optional[str] = ..., value: _Optional[_Union[_billing_pb2.CustomerValue, _Mapping]] = ...) -> None: ...

class BillingCustomerReassigned(_message.Message):
    __slots__ = ("operation_id", "from_customer_id", "to_customer_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    from_customer_id: str
    to_customer_id: str
    def __init__(self, operation_id: _Optional[str] = ..., from_customer_id: _Optional[str] = ..., to_customer_id: _Optional[str] = ...) -> None: ...

class BillingCustomerErased(_message.Message):
    __slots__ = ("operation_id", "customer_id")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    customer_id: str
    def __init__(self, operation_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...
