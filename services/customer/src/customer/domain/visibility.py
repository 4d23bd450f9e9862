"""Which customers a caller may see: folder permissions and assignment.

Built from the verified claims of the call (see docs/trust.md); `None` means everything (an
unrestricted principal, or the service's own background work)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Visibility:
    # Visible folder ids; None: every folder.
    folders: frozenset[str] | None = None
    # Whether customers in no folder are visible.
    unfoldered: bool = True
    # Only customers whose `workers` include this id (an agent limited to assigned customers).
    assigned_to: str | None = None

    @property
    def unrestricted(self) -> bool:
        return self.folders is None and self.unfoldered and self.assigned_to is None

    def allows(self, folder: str, workers: list[str] | tuple[str, ...]) -> bool:
        if folder:
            if self.folders is not None and folder not in self.folders:
                return False
        elif not self.unfoldered:
            return False
        return self.assigned_to is None or self.assigned_to in workers

    def allows_folder(self, folder: str) -> bool:
        """Whether a customer may be put into `folder` ("" = no folder) by this caller."""
        if not folder:
            return self.unfoldered
        return self.folders is None or folder in self.folders
