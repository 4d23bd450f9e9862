"""RPC methods that only translate, declared instead of written: read the use case's arguments
off the request, call it with the current tenant and the servicer's unit of work (`self._uow`),
turn the result into the response. A servicer assigns them as class attributes:

    GetInvoice = rpc(invoices.get_invoice, invoice_to_proto, invoice_id=read_id("id"))

An RPC with more to translate than reading fields stays a written method."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from moodline_kit.ids import existing_id
from moodline_kit.paging import Page
from moodline_kit.tenancy import current_tenant

Read = Callable[[Any], Any]


def rpc(
    use_case: Callable[..., Awaitable[Any]],
    respond: Callable[[Any], Any],
    /,
    *,
    servicer: tuple[str, ...] = (),
    tenant: bool = True,
    **reads: Read,
) -> Callable[..., Awaitable[Any]]:
    """The method `await use_case(tenant_id=..., uow=self._uow, <name>=read(request)...)`,
    answered with `respond(result)`; each name in `servicer` is passed too, from the
    servicer's `_<name>` (e.g. `servicer=("clock",)`: `clock=self._clock`). `tenant=False`:
    a use case that reads the tenant itself is not passed `tenant_id`."""

    async def method(self: Any, request: Any, context: Any) -> Any:
        arguments = {name: read(request) for name, read in reads.items()}
        arguments.update({name: getattr(self, f"_{name}") for name in servicer})
        if tenant:
            arguments["tenant_id"] = current_tenant()
        return respond(await use_case(uow=self._uow, **arguments))

    method.__doc__ = use_case.__doc__
    return method


def read_id(name: str = "id", *, what: str = "") -> Read:
    """The request's `name` as a UUID; one that cannot exist is simply NOT_FOUND."""
    label = what or name

    def read(request: Any) -> Any:
        return existing_id(getattr(request, name), what=label)

    return read


def read(name: str) -> Read:
    """The request's field `name`, as is."""
    return lambda request: getattr(request, name)


def reads(*names: str) -> dict[str, Read]:
    """Request fields passed to the use case under their own names: `rpc(f, r, **reads(...))`."""
    return {name: read(name) for name in names}


def paged(response: type, items: str, to_proto: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A List*Response from a kit Page (`items`, `next_cursor`) or an `(items, token)` pair."""

    def respond(result: Page[Any] | tuple[Any, str]) -> Any:
        found, token = (result.items, result.next_cursor) if isinstance(result, Page) else result
        return response(**{items: [to_proto(i) for i in found]}, next_page_token=token)

    return respond


def emptied(response: type) -> Callable[[Any], Any]:
    """An empty response, whatever the use case returned (a Delete*)."""
    return lambda _: response()
