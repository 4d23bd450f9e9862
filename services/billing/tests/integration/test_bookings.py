import asyncio
from datetime import timedelta

import grpc
import pytest
from billing.testing import BASE, booking_request, new_id, staff, ts, usd
from google.protobuf import field_mask_pb2
from moodline.billing.v1 import billing_pb2 as pb
from moodline_kit.grpc.client import tenant_metadata
from moodline_kit.grpc.status import field_violations

pytestmark = pytest.mark.integration


async def test_twenty_concurrent_bookings_of_one_slot_one_wins(billing_service, tenant):
    stub = billing_service.stub
    mia = await staff(stub, tenant)
    results = await asyncio.gather(
        *(
            stub.CreateBooking(
                booking_request(new_id(), staff_id=mia, start=BASE + timedelta(minutes=i % 3)),
                metadata=tenant,
            )
            for i in range(20)
        ),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, pb.Booking)]
    lost = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(won) == 1
    assert len(lost) == 19
    assert {e.code() for e in lost} == {grpc.StatusCode.ABORTED}
    page = await stub.ListBookings(pb.ListBookingsRequest(staff_id=mia), metadata=tenant)
    assert [b.id for b in page.bookings] == [won[0].id]


async def test_a_cancelled_booking_frees_its_slot_and_adjacent_slots_never_clash(
    billing_service, tenant
):
    stub = billing_service.stub
    mia = await staff(stub, tenant)
    first = await stub.CreateBooking(booking_request(new_id(), staff_id=mia), metadata=tenant)
    # back to back: [9:00, 10:00) and [10:00, 11:00) do not overlap
    await stub.CreateBooking(
        booking_request(new_id(), staff_id=mia, start=BASE + timedelta(hours=1)), metadata=tenant
    )
    with pytest.raises(grpc.aio.AioRpcError) as taken:
        await stub.CreateBooking(
            booking_request(new_id(), staff_id=mia, start=BASE + timedelta(minutes=30)),
            metadata=tenant,
        )
    assert taken.value.code() == grpc.StatusCode.ABORTED
    await stub.CancelBooking(pb.CancelBookingRequest(id=first.id, reason="ill"), metadata=tenant)
    again = await stub.CreateBooking(booking_request(new_id(), staff_id=mia), metadata=tenant)
    assert again.status == pb.BOOKING_STATUS_PENDING


async def test_statuses_follow_the_machine(billing_service, tenant):
    stub = billing_service.stub
    b = await stub.CreateBooking(booking_request(new_id()), metadata=tenant)
    assert b.status == pb.BOOKING_STATUS_PENDING
    with pytest.raises(grpc.aio.AioRpcError) as early:
        await stub.CompleteBooking(pb.CompleteBookingRequest(id=b.id), metadata=tenant)
    assert early.value.code() == grpc.StatusCode.ABORTED
    b = await stub.ConfirmBooking(pb.ConfirmBookingRequest(id=b.id), metadata=tenant)
    assert b.status == pb.BOOKING_STATUS_CONFIRMED
    b = await stub.CompleteBooking(pb.CompleteBookingRequest(id=b.id), metadata=tenant)
    assert b.status == pb.BOOKING_STATUS_COMPLETED
    with pytest.raises(grpc.aio.AioRpcError) as late:
        await stub.CancelBooking(pb.CancelBookingRequest(id=b.id), metadata=tenant)
    assert late.value.code() == grpc.StatusCode.ABORTED
    c = await stub.CreateBooking(booking_request(new_id(), confirm=True), metadata=tenant)
    c = await stub.CompleteBooking(
        pb.CompleteBookingRequest(id=c.id, no_show=True), metadata=tenant
    )
    assert c.status == pb.BOOKING_STATUS_NO_SHOW


async def test_reschedule_into_a_taken_slot_is_refused_and_changes_nothing(billing_service, tenant):
    stub = billing_service.stub
    mia = await staff(stub, tenant)
    a = await stub.CreateBooking(booking_request(new_id(), staff_id=mia), metadata=tenant)
    b = await stub.CreateBooking(
        booking_request(new_id(), staff_id=mia, start=BASE + timedelta(hours=2)), metadata=tenant
    )
    move = pb.UpdateBookingRequest(
        booking=pb.Booking(
            id=b.id,
            start_time=ts(BASE + timedelta(minutes=30)),
            end_time=ts(BASE + timedelta(hours=1, minutes=30)),
        ),
        update_mask=field_mask_pb2.FieldMask(paths=["start_time", "end_time"]),
    )
    with pytest.raises(grpc.aio.AioRpcError) as clash:
        await stub.UpdateBooking(move, metadata=tenant)
    assert clash.value.code() == grpc.StatusCode.ABORTED
    same = await stub.GetBooking(pb.GetBookingRequest(id=b.id), metadata=tenant)
    assert same.start_time == b.start_time
    await stub.CancelBooking(pb.CancelBookingRequest(id=a.id), metadata=tenant)
    moved = await stub.UpdateBooking(move, metadata=tenant)
    assert moved.start_time.ToDatetime() == (BASE + timedelta(minutes=30)).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (booking_request(new_id(), price=-1), "amount_minor"),
        (booking_request(new_id(), currency="XYZ"), "currency"),
        (booking_request(new_id(), currency="EUR"), "currency"),
        (booking_request(new_id(), minutes=-30), "ends_at"),
        (
            booking_request(
                new_id(), price=100, party=[pb.PartyMember(customer_id=new_id(), share=usd(200))]
            ),
            "party",
        ),
    ],
)
async def test_bad_bookings_name_the_field_and_store_nothing(
    billing_service, tenant, request_, field
):
    stub = billing_service.stub
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await stub.CreateBooking(request_, metadata=tenant)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in [v.field for v in field_violations(bad.value)]
    page = await stub.ListBookings(pb.ListBookingsRequest(), metadata=tenant)
    assert list(page.bookings) == []


async def test_another_tenants_booking_is_not_found(billing_service, tenant):
    stub = billing_service.stub
    b = await stub.CreateBooking(booking_request(new_id()), metadata=tenant)
    other = tenant_metadata(new_id())
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.GetBooking(pb.GetBookingRequest(id=b.id), metadata=other)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
