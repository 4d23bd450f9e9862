"""/api/v1/folders: the folders customers are sorted into (customer service)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from moodline.customer.v1 import customer_pb2
from pydantic import BaseModel, Field

from gateway.auth import Principal
from gateway.deps import Upstreams, metadata, upstreams
from gateway.permissions import Permission, require
from gateway.schemas import Strict
from gateway.staff_schemas import Name
from gateway.validation import PathId

router = APIRouter(prefix="/api/v1/folders", tags=["folders"])

can_read = require(Permission.FOLDERS_READ)
can_manage = require(Permission.FOLDERS_MANAGE)

_PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {
    401: {"description": "no valid credential", **_PROBLEM},
    403: {"description": "role lacks the permission", **_PROBLEM},
    404: {"description": "no such folder in this tenant", **_PROBLEM},
    409: {"description": "a folder with this name exists", **_PROBLEM},
    422: {"description": "invalid input", **_PROBLEM},
}

Colour = Field(default="", pattern=r"^(#[0-9A-Fa-f]{6})?$", description="#RRGGBB or empty")


class FolderIn(Strict):
    name: Name
    colour: str = Colour
    position: int | None = Field(default=None, ge=0, le=1_000_000)


class FolderPatch(Strict):
    name: Name | None = None
    colour: str | None = Field(default=None, pattern=r"^(#[0-9A-Fa-f]{6})?$")
    position: int | None = Field(default=None, ge=0, le=1_000_000)


class FolderOut(BaseModel):
    id: str
    name: str
    position: int
    colour: str
    customer_count: int = Field(description="customers in it that the caller may see")


class FolderPage(BaseModel):
    items: list[FolderOut]


def _out(f: customer_pb2.Folder) -> FolderOut:
    return FolderOut(
        id=f.id,
        name=f.name,
        position=f.position,
        colour=f.colour,
        customer_count=f.customer_count,
    )


@router.get("", response_model=FolderPage, responses=ERRORS)
async def list_folders(
    who: Principal = Depends(can_read), up: Upstreams = Depends(upstreams)
) -> FolderPage:
    """The folders the caller may see, in order."""
    found = await up.customers.ListFolders(
        customer_pb2.ListFoldersRequest(), metadata=metadata(who)
    )
    return FolderPage(items=[_out(f) for f in found.folders])


@router.post("", status_code=201, response_model=FolderOut, responses=ERRORS)
async def create_folder(
    body: FolderIn, who: Principal = Depends(can_manage), up: Upstreams = Depends(upstreams)
) -> FolderOut:
    request = customer_pb2.CreateFolderRequest(name=body.name, colour=body.colour)
    if body.position is not None:
        request.position = body.position
    return _out(await up.customers.CreateFolder(request, metadata=metadata(who)))


@router.patch("/{folder_id}", response_model=FolderOut, responses=ERRORS)
async def update_folder(
    folder_id: PathId,
    body: FolderPatch,
    who: Principal = Depends(can_manage),
    up: Upstreams = Depends(upstreams),
) -> FolderOut:
    """Rename, reorder (position) or recolour."""
    sent = body.model_dump(exclude_unset=True, exclude_none=True)
    request = customer_pb2.UpdateFolderRequest(id=folder_id, update_mask=list(sent), **sent)
    return _out(await up.customers.UpdateFolder(request, metadata=metadata(who)))


@router.delete("/{folder_id}", status_code=204, response_class=Response, responses=ERRORS)
async def delete_folder(
    folder_id: PathId, who: Principal = Depends(can_manage), up: Upstreams = Depends(upstreams)
) -> Response:
    """Delete a folder; its customers are left in no folder."""
    await up.customers.DeleteFolder(
        customer_pb2.DeleteFolderRequest(id=folder_id), metadata=metadata(who)
    )
    return Response(status_code=204)
