"""gRPC entrypoint: translate requests into commands/queries, results into messages."""

from __future__ import annotations

import grpc
from google.protobuf.json_format import MessageToDict
from moodline.customer.v1 import customer_pb2, customer_pb2_grpc
from moodline_kit.db import retry_if_disconnected
from moodline_kit.errors import DomainError, InvalidArgument
from moodline_kit.grpc.methods import emptied, read, reads, rpc
from moodline_kit.grpc.status import status_code_for
from moodline_kit.tenancy import current_tenant

from customer.adapters.proto import (
    consent_to_proto,
    customer_to_proto,
    list_row_to_proto,
    note_to_proto,
    timeline_entry_to_proto,
)
from customer.adapters.repository import FolderRow
from customer.domain.custom_fields import Definition
from customer.domain.listing import Thresholds, parse_list_query
from customer.domain.model import Customer
from customer.domain.profile import UPDATABLE, ProfileChanges
from customer.domain.records import ConsentRecord, TimelineEntry
from customer.entrypoints.merge_servicer import MergeMethods
from customer.service_layer import (
    consents,
    custom_fields,
    folders,
    handlers,
    listing,
    notes,
    profile,
    relations,
)
from customer.service_layer.handlers import UowFactory
from customer.service_layer.listing import MessageSearch

Ctx = grpc.aio.ServicerContext


def _changes(request: customer_pb2.UpdateCustomerRequest) -> ProfileChanges:
    values: dict[str, object] = {}
    for name in dict.fromkeys(request.update_mask):
        if name not in UPDATABLE:
            values[name] = None  # reported as unknown by the domain
        elif name == "phones":
            values[name] = [(p.number, p.primary) for p in request.phones]
        elif name == "emails":
            values[name] = [(e.address, e.primary) for e in request.emails]
        elif name == "addresses":
            values[name] = [
                MessageToDict(a, preserving_proto_field_name=True) for a in request.addresses
            ]
        elif name == "custom_fields":
            values[name] = MessageToDict(request.custom_fields)
        elif name in ("tags", "workers"):
            values[name] = list(getattr(request, name))
        else:
            values[name] = getattr(request, name)
    return ProfileChanges(values)


def _folder(row: FolderRow) -> customer_pb2.Folder:
    return customer_pb2.Folder(
        id=str(row.id),
        name=row.name,
        position=row.position,
        colour=row.colour,
        customer_count=row.customer_count,
    )


def _folder_changes(request: customer_pb2.UpdateFolderRequest) -> dict[str, object]:
    unknown = [f for f in request.update_mask if f not in ("name", "position", "colour")]
    if unknown:
        raise InvalidArgument.of("update_mask", f"unknown fields: {', '.join(unknown)}")
    return {f: getattr(request, f) for f in dict.fromkeys(request.update_mask)}


def _definition(d: Definition) -> customer_pb2.CustomFieldDefinition:
    return customer_pb2.CustomFieldDefinition(
        key=d.key, label=d.label, type=d.type.value, options=d.options
    )


def _consents(records: list[ConsentRecord]) -> customer_pb2.ListConsentHistoryResponse:
    return customer_pb2.ListConsentHistoryResponse(records=[consent_to_proto(r) for r in records])


def _timeline(page: tuple[list[TimelineEntry], str]) -> customer_pb2.GetTimelineResponse:
    entries, cursor = page
    return customer_pb2.GetTimelineResponse(
        entries=[timeline_entry_to_proto(e) for e in entries], next_page_token=cursor
    )


def _tenant_settings(found: tuple[str, Thresholds]) -> customer_pb2.TenantSettings:
    country, t = found
    return customer_pb2.TenantSettings(
        default_country=country,
        high_value_ltv_minor=t.high_value_ltv_minor,
        recent_days=t.recent_days,
        inactive_days=t.inactive_days,
    )


def _resolve_result(answer: handlers.Resolved | DomainError) -> customer_pb2.ResolveCustomerResult:
    if isinstance(answer, DomainError):
        violations = getattr(answer, "violations", None) or []
        return customer_pb2.ResolveCustomerResult(
            failed=customer_pb2.ResolveFailure(
                code=status_code_for(answer).name,
                message=answer.message,
                violations=[
                    customer_pb2.ResolveFieldViolation(field=v.field, description=v.description)
                    for v in violations
                ],
            )
        )
    return customer_pb2.ResolveCustomerResult(resolved=_resolved(*answer))


def _resolved(customer: Customer, created: bool) -> customer_pb2.ResolveCustomerResponse:
    return customer_pb2.ResolveCustomerResponse(
        customer=customer_to_proto(customer), created=created
    )


class CustomerServicer(MergeMethods, customer_pb2_grpc.CustomerServiceServicer):
    def __init__(
        self,
        uow: UowFactory,
        *,
        reads: UowFactory | None = None,
        message_search: MessageSearch | None = None,
    ) -> None:
        self._uow = uow
        # List and stats: units of work without a transaction (see bootstrap).
        self._reads = reads or uow
        self._search = message_search

    GetCustomer = rpc(handlers.get_customer, customer_to_proto, customer_id=read("id"))
    DeleteCustomer = rpc(
        profile.delete_customer,
        emptied(customer_pb2.DeleteCustomerResponse),
        customer_id=read("id"),
        expected_version=lambda r: r.expected_version or None,
        confirm=read("confirm"),
    )
    ModifyTags = rpc(
        profile.modify_tags,
        customer_to_proto,
        customer_id=read("id"),
        add=lambda r: list(r.add),
        remove=lambda r: list(r.remove),
    )
    RecordConsent = rpc(
        consents.record_consent,
        customer_to_proto,
        customer_id=read("id"),
        **reads("kind", "granted", "source"),
    )
    ListConsentHistory = rpc(consents.consent_history, _consents, customer_id=read("id"))
    AddNote = rpc(notes.add_note, note_to_proto, customer_id=read("id"), **reads("text", "author"))
    ListNotes = rpc(
        notes.list_notes,
        lambda found: customer_pb2.ListNotesResponse(notes=[note_to_proto(n) for n in found]),
        customer_id=read("id"),
    )
    SetRelation = rpc(
        relations.set_relation, customer_to_proto, **reads("parent_id", "child_id", "label")
    )
    RemoveRelation = rpc(
        relations.remove_relation, customer_to_proto, **reads("parent_id", "child_id")
    )
    ListCustomFieldDefinitions = rpc(
        custom_fields.list_definitions,
        lambda found: customer_pb2.ListCustomFieldDefinitionsResponse(
            definitions=[_definition(d) for d in found]
        ),
    )
    UpsertCustomFieldDefinition = rpc(
        custom_fields.upsert_definition,
        _definition,
        **reads("key", "label"),
        type_=read("type"),
        options=lambda r: list(r.options),
    )
    GetTimeline = rpc(
        listing.timeline,
        _timeline,
        customer_id=read("id"),
        **reads("page_size", "page_token"),
    )
    GetTenantSettings = rpc(handlers.get_settings, _tenant_settings)
    UpdateTenantSettings = rpc(
        handlers.update_settings,
        _tenant_settings,
        country=read("default_country"),
        **reads("high_value_ltv_minor", "recent_days", "inactive_days"),
    )
    CreateFolder = rpc(
        folders.create_folder,
        _folder,
        **reads("name", "colour"),
        position=lambda r: r.position if r.HasField("position") else None,
    )
    UpdateFolder = rpc(folders.update_folder, _folder, folder_id=read("id"), values=_folder_changes)
    DeleteFolder = rpc(
        folders.delete_folder,
        emptied(customer_pb2.DeleteFolderResponse),
        folder_id=read("id"),
    )

    async def CreateCustomer(
        self, request: customer_pb2.CreateCustomerRequest, context: Ctx
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

    async def ListCustomers(
        self, request: customer_pb2.ListCustomersRequest, context: Ctx
    ) -> customer_pb2.ListCustomersResponse:
        query = parse_list_query(
            text=request.query,
            segment=request.segment,
            sort=request.sort,
            stage=request.stage,
            tag=request.tag,
            folder=request.folder,
            channel=request.channel,
            sentiment=request.sentiment,
            min_ltv_minor=(request.min_ltv_minor if request.HasField("min_ltv_minor") else None),
            min_conversations=(
                request.min_conversations if request.HasField("min_conversations") else None
            ),
            last_contact_within_days=(
                request.last_contact_within_days
                if request.HasField("last_contact_within_days")
                else None
            ),
        )
        tenant_id, custom_fields = current_tenant(), dict(request.custom_fields)
        page = await retry_if_disconnected(
            lambda: listing.list_customers(
                tenant_id=tenant_id,
                query=query,
                custom_field_values=custom_fields,
                page_size=request.page_size,
                page_token=request.page_token,
                uow=self._reads,
                message_search=self._search,
            )
        )
        return customer_pb2.ListCustomersResponse(
            customers=[list_row_to_proto(r) for r in page.rows],
            next_page_token=page.next_cursor,
        )

    async def ResolveCustomer(
        self, request: customer_pb2.ResolveCustomerRequest, context: Ctx
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
        return _resolved(customer, created)

    async def ResolveCustomers(
        self, request: customer_pb2.ResolveCustomersRequest, context: Ctx
    ) -> customer_pb2.ResolveCustomersResponse:
        answers = await handlers.resolve_customers(
            command=handlers.ResolveCustomers(
                tenant_id=current_tenant(),
                contacts=tuple(
                    handlers.ContactToResolve(c.phone, c.email, c.display_name)
                    for c in request.contacts
                ),
            ),
            uow=self._uow,
        )
        return customer_pb2.ResolveCustomersResponse(results=[_resolve_result(a) for a in answers])

    async def UpdateCustomer(
        self, request: customer_pb2.UpdateCustomerRequest, context: Ctx
    ) -> customer_pb2.Customer:
        customer = await profile.update_customer(
            command=profile.UpdateCustomer(
                tenant_id=current_tenant(),
                customer_id=request.id,
                expected_version=request.expected_version or None,
                changes=_changes(request),
            ),
            uow=self._uow,
        )
        return customer_to_proto(customer)

    async def GetCustomerStats(
        self, request: customer_pb2.GetCustomerStatsRequest, context: Ctx
    ) -> customer_pb2.CustomerStats:
        tenant_id = current_tenant()
        s = await retry_if_disconnected(lambda: listing.stats(tenant_id=tenant_id, uow=self._reads))
        return customer_pb2.CustomerStats(
            total=s.total,
            vip=s.vip,
            happy=s.happy,
            problem=s.problem,
            total_ltv_minor=s.total_ltv_minor,
            average_ltv_minor=s.total_ltv_minor // s.total if s.total else 0,
        )

    async def ListFolders(
        self, request: customer_pb2.ListFoldersRequest, context: Ctx
    ) -> customer_pb2.ListFoldersResponse:
        rows = await folders.list_folders(tenant_id=current_tenant(), uow=self._reads)
        return customer_pb2.ListFoldersResponse(folders=[_folder(r) for r in rows])

    async def FilterVisibleCustomers(
        self, request: customer_pb2.FilterVisibleCustomersRequest, context: Ctx
    ) -> customer_pb2.FilterVisibleCustomersResponse:
        ids = await folders.visible_customers(
            tenant_id=current_tenant(), ids=list(request.ids), uow=self._reads
        )
        return customer_pb2.FilterVisibleCustomersResponse(ids=ids)
