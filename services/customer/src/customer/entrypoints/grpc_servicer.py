"""gRPC entrypoint: translate requests into commands/queries, results into messages."""

from __future__ import annotations

import grpc
from moodline.customer.v1 import customer_pb2, customer_pb2_grpc
from moodline_kit.tenancy import current_tenant

from customer.adapters.proto import customer_to_proto
from customer.service_layer import handlers
from customer.service_layer.handlers import UowFactory


class CustomerServicer(customer_pb2_grpc.CustomerServiceServicer):
    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def CreateCustomer(
        self, request: customer_pb2.CreateCustomerRequest, context: grpc.aio.ServicerContext
    ) -> customer_pb2.Customer:
        command = handlers.CreateCustomer(
            tenant_id=current_tenant(),
            first_name=request.first_name,
            last_name=request.last_name,
            company=request.company,
            phones=tuple((p.number, p.primary) for p in request.phones),
            emails=tuple((e.address, e.primary) for e in request.emails),
        )
        customer = await handlers.create_customer_handler(command=command, uow=self._uow)
        return customer_to_proto(customer)

    async def GetCustomer(
        self, request: customer_pb2.GetCustomerRequest, context: grpc.aio.ServicerContext
    ) -> customer_pb2.Customer:
        customer = await handlers.get_customer(
            tenant_id=current_tenant(), customer_id=request.id, uow=self._uow
        )
        return customer_to_proto(customer)

    async def ListCustomers(
        self, request: customer_pb2.ListCustomersRequest, context: grpc.aio.ServicerContext
    ) -> customer_pb2.ListCustomersResponse:
        page = await handlers.list_customers(
            tenant_id=current_tenant(),
            query=request.query,
            page_size=request.page_size,
            page_token=request.page_token,
            uow=self._uow,
        )
        return customer_pb2.ListCustomersResponse(
            customers=[customer_to_proto(c) for c in page.customers],
            next_page_token=page.next_cursor,
        )

    async def ResolveCustomer(
        self, request: customer_pb2.ResolveCustomerRequest, context: grpc.aio.ServicerContext
    ) -> customer_pb2.ResolveCustomerResponse:
        customer, created = await handlers.resolve_customer(
            command=handlers.ResolveCustomer(
                tenant_id=current_tenant(),
                phone=request.phone,
                email=request.email,
                display_name=request.display_name,
            ),
            uow=self._uow,
        )
        return customer_pb2.ResolveCustomerResponse(
            customer=customer_to_proto(customer), created=created
        )

    async def GetTenantSettings(
        self, request: customer_pb2.GetTenantSettingsRequest, context: grpc.aio.ServicerContext
    ) -> customer_pb2.TenantSettings:
        country = await handlers.get_default_country(tenant_id=current_tenant(), uow=self._uow)
        return customer_pb2.TenantSettings(default_country=country)

    async def UpdateTenantSettings(
        self, request: customer_pb2.TenantSettings, context: grpc.aio.ServicerContext
    ) -> customer_pb2.TenantSettings:
        country = await handlers.set_default_country(
            tenant_id=current_tenant(), country=request.default_country, uow=self._uow
        )
        return customer_pb2.TenantSettings(default_country=country)
