"""/api/v1/customers: translate HTTP <-> gRPC; no business rules here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from google.protobuf.json_format import MessageToDict
from moodline.customer.v1 import customer_pb2

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, principal, upstreams, writer
from gateway.schemas import CustomerCreate, CustomerOut, CustomerPage

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 422: PROBLEM}


def customer_json(message: customer_pb2.Customer) -> dict:
    data = MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return CustomerOut.model_validate(data).model_dump(mode="json")


@router.post("", status_code=201, response_model=CustomerOut, responses=ERRORS)
async def create_customer(
    body: CustomerCreate,
    response: Response,
    who: Principal = Depends(writer),
    up: Upstreams = Depends(upstreams),
) -> dict:
    created = await up.customers.CreateCustomer(
        customer_pb2.CreateCustomerRequest(
            first_name=body.first_name,
            last_name=body.last_name,
            company=body.company,
            phones=[customer_pb2.Phone(number=p.number, primary=p.primary) for p in body.phones],
            emails=[customer_pb2.Email(address=e.address, primary=e.primary) for e in body.emails],
        ),
        metadata=metadata(who),
    )
    response.headers["Location"] = f"{router.prefix}/{created.id}"
    return customer_json(created)


@router.get("", response_model=CustomerPage, responses=ERRORS)
async def list_customers(
    q: Annotated[
        str,
        Query(
            max_length=200, description="name, phone, email or company; partial, case-insensitive"
        ),
    ] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str, Query(max_length=512)] = "",
    who: Principal = Depends(principal),
    up: Upstreams = Depends(upstreams),
) -> dict:
    page = await up.customers.ListCustomers(
        customer_pb2.ListCustomersRequest(query=q, page_size=limit, page_token=cursor),
        metadata=metadata(who),
    )
    return {
        "items": [customer_json(c) for c in page.customers],
        "next_cursor": page.next_page_token or None,
    }


@router.get("/{customer_id}", response_model=CustomerOut, responses=ERRORS)
async def get_customer(
    customer_id: str, who: Principal = Depends(principal), up: Upstreams = Depends(upstreams)
) -> dict:
    found = await up.customers.GetCustomer(
        customer_pb2.GetCustomerRequest(id=customer_id), metadata=metadata(who)
    )
    return customer_json(found)
