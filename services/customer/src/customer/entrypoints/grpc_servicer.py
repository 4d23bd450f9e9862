"""gRPC entrypoint: translate requests into commands/queries, results into messages."""

from __future__ import annotations

import grpc
from google.protobuf.json_format import MessageToDict
from moodline.customer.v1 import customer_pb2, customer_pb2_grpc
from moodline_kit.db import retry_if_disconnected
from moodline_kit.errors import InvalidArgument
from moodline_kit.tenancy import current_tenant
from moodline_kit.timestamps import to_proto

from customer.adapters.proto import customer_to_proto, list_row_to_proto, note_to_proto, struct
from customer.adapters.repository import FolderRow
from customer.domain.listing import parse_list_query
from customer.domain.profile import UPDATABLE, ProfileChanges
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

    async def GetCustomer(
        self, request: customer_pb2.GetCustomerRequest, context: Ctx
    ) -> customer_pb2.Customer:
        customer = await handlers.get_customer(
            tenant_id=current_tenant(), customer_id=request.id, uow=self._uow
        )
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
        return customer_pb2.ResolveCustomerResponse(
            customer=customer_to_proto(customer), created=created
        )

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

    async def DeleteCustomer(
        self, request: customer_pb2.DeleteCustomerRequest, context: Ctx
    ) -> customer_pb2.DeleteCustomerResponse:
        await profile.delete_customer(
            tenant_id=current_tenant(),
            customer_id=request.id,
            expected_version=request.expected_version or None,
            confirm=request.confirm,
            uow=self._uow,
        )
        return customer_pb2.DeleteCustomerResponse()

    async def ModifyTags(
        self, request: customer_pb2.ModifyTagsRequest, context: Ctx
    ) -> customer_pb2.Customer:
        customer = await profile.modify_tags(
            tenant_id=current_tenant(),
            customer_id=request.id,
            add=list(request.add),
            remove=list(request.remove),
            uow=self._uow,
        )
        return customer_to_proto(customer)

    async def RecordConsent(
        self, request: customer_pb2.RecordConsentRequest, context: Ctx
    ) -> customer_pb2.Customer:
        customer = await consents.record_consent(
            tenant_id=current_tenant(),
            customer_id=request.id,
            kind=request.kind,
            granted=request.granted,
            source=request.source,
            uow=self._uow,
        )
        return customer_to_proto(customer)

    async def ListConsentHistory(
        self, request: customer_pb2.ListConsentHistoryRequest, context: Ctx
    ) -> customer_pb2.ListConsentHistoryResponse:
        records = await consents.consent_history(
            tenant_id=current_tenant(), customer_id=request.id, uow=self._uow
        )
        return customer_pb2.ListConsentHistoryResponse(
            records=[
                customer_pb2.Consent(
                    kind=r.kind,
                    granted=r.granted,
                    source=r.source,
                    changed_at=to_proto(r.changed_at),
                )
                for r in records
            ]
        )

    async def AddNote(
        self, request: customer_pb2.AddNoteRequest, context: Ctx
    ) -> customer_pb2.Note:
        note = await notes.add_note(
            tenant_id=current_tenant(),
            customer_id=request.id,
            text=request.text,
            author=request.author,
            uow=self._uow,
        )
        return note_to_proto(note)

    async def ListNotes(
        self, request: customer_pb2.ListNotesRequest, context: Ctx
    ) -> customer_pb2.ListNotesResponse:
        found = await notes.list_notes(
            tenant_id=current_tenant(), customer_id=request.id, uow=self._uow
        )
        return customer_pb2.ListNotesResponse(notes=[note_to_proto(n) for n in found])

    async def SetRelation(
        self, request: customer_pb2.SetRelationRequest, context: Ctx
    ) -> customer_pb2.Customer:
        customer = await relations.set_relation(
            tenant_id=current_tenant(),
            parent_id=request.parent_id,
            child_id=request.child_id,
            label=request.label,
            uow=self._uow,
        )
        return customer_to_proto(customer)

    async def RemoveRelation(
        self, request: customer_pb2.RemoveRelationRequest, context: Ctx
    ) -> customer_pb2.Customer:
        customer = await relations.remove_relation(
            tenant_id=current_tenant(),
            parent_id=request.parent_id,
            child_id=request.child_id,
            uow=self._uow,
        )
        return customer_to_proto(customer)

    async def ListCustomFieldDefinitions(
        self, request: customer_pb2.ListCustomFieldDefinitionsRequest, context: Ctx
    ) -> customer_pb2.ListCustomFieldDefinitionsResponse:
        definitions = await custom_fields.list_definitions(
            tenant_id=current_tenant(), uow=self._uow
        )
        return customer_pb2.ListCustomFieldDefinitionsResponse(
            definitions=[
                customer_pb2.CustomFieldDefinition(
                    key=d.key, label=d.label, type=d.type.value, options=d.options
                )
                for d in definitions
            ]
        )

    async def UpsertCustomFieldDefinition(
        self, request: customer_pb2.CustomFieldDefinition, context: Ctx
    ) -> customer_pb2.CustomFieldDefinition:
        d = await custom_fields.upsert_definition(
            tenant_id=current_tenant(),
            key=request.key,
            label=request.label,
            type_=request.type,
            options=list(request.options),
            uow=self._uow,
        )
        return customer_pb2.CustomFieldDefinition(
            key=d.key, label=d.label, type=d.type.value, options=d.options
        )

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

    async def GetTimeline(
        self, request: customer_pb2.GetTimelineRequest, context: Ctx
    ) -> customer_pb2.GetTimelineResponse:
        entries, cursor = await listing.timeline(
            tenant_id=current_tenant(),
            customer_id=request.id,
            page_size=request.page_size,
            page_token=request.page_token,
            uow=self._uow,
        )
        return customer_pb2.GetTimelineResponse(
            entries=[
                customer_pb2.TimelineEntry(
                    id=str(e.id),
                    kind=e.kind,
                    type=e.type,
                    summary=e.summary,
                    data=struct(e.data),
                    occurred_at=to_proto(e.occurred_at),
                )
                for e in entries
            ],
            next_page_token=cursor,
        )

    async def GetTenantSettings(
        self, request: customer_pb2.GetTenantSettingsRequest, context: Ctx
    ) -> customer_pb2.TenantSettings:
        country, t = await handlers.get_settings(tenant_id=current_tenant(), uow=self._uow)
        return customer_pb2.TenantSettings(
            default_country=country,
            high_value_ltv_minor=t.high_value_ltv_minor,
            recent_days=t.recent_days,
            inactive_days=t.inactive_days,
        )

    async def UpdateTenantSettings(
        self, request: customer_pb2.TenantSettings, context: Ctx
    ) -> customer_pb2.TenantSettings:
        country, t = await handlers.update_settings(
            tenant_id=current_tenant(),
            country=request.default_country,
            high_value_ltv_minor=request.high_value_ltv_minor,
            recent_days=request.recent_days,
            inactive_days=request.inactive_days,
            uow=self._uow,
        )
        return customer_pb2.TenantSettings(
            default_country=country,
            high_value_ltv_minor=t.high_value_ltv_minor,
            recent_days=t.recent_days,
            inactive_days=t.inactive_days,
        )

    async def ListFolders(
        self, request: customer_pb2.ListFoldersRequest, context: Ctx
    ) -> customer_pb2.ListFoldersResponse:
        rows = await folders.list_folders(tenant_id=current_tenant(), uow=self._reads)
        return customer_pb2.ListFoldersResponse(folders=[_folder(r) for r in rows])

    async def CreateFolder(
        self, request: customer_pb2.CreateFolderRequest, context: Ctx
    ) -> customer_pb2.Folder:
        row = await folders.create_folder(
            tenant_id=current_tenant(),
            name=request.name,
            colour=request.colour,
            position=request.position if request.HasField("position") else None,
            uow=self._uow,
        )
        return _folder(row)

    async def UpdateFolder(
        self, request: customer_pb2.UpdateFolderRequest, context: Ctx
    ) -> customer_pb2.Folder:
        unknown = [f for f in request.update_mask if f not in ("name", "position", "colour")]
        if unknown:
            raise InvalidArgument.of("update_mask", f"unknown fields: {', '.join(unknown)}")
        values = {f: getattr(request, f) for f in dict.fromkeys(request.update_mask)}
        row = await folders.update_folder(
            tenant_id=current_tenant(), folder_id=request.id, values=values, uow=self._uow
        )
        return _folder(row)

    async def DeleteFolder(
        self, request: customer_pb2.DeleteFolderRequest, context: Ctx
    ) -> customer_pb2.DeleteFolderResponse:
        await folders.delete_folder(tenant_id=current_tenant(), folder_id=request.id, uow=self._uow)
        return customer_pb2.DeleteFolderResponse()

    async def FilterVisibleCustomers(
        self, request: customer_pb2.FilterVisibleCustomersRequest, context: Ctx
    ) -> customer_pb2.FilterVisibleCustomersResponse:
        ids = await folders.visible_customers(
            tenant_id=current_tenant(), ids=list(request.ids), uow=self._reads
        )
        return customer_pb2.FilterVisibleCustomersResponse(ids=ids)


def _folder(row: FolderRow) -> customer_pb2.Folder:
    return customer_pb2.Folder(
        id=str(row.id),
        name=row.name,
        position=row.position,
        colour=row.colour,
        customer_count=row.customer_count,
    )
