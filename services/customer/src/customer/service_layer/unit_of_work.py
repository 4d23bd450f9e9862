from __future__ import annotations

from moodline_kit.uow import UnitOfWork

from customer.adapters.duplicates import DuplicateRepository
from customer.adapters.exports_repository import ExportRepository
from customer.adapters.imports_repository import ImportRepository
from customer.adapters.operations import OperationRepository
from customer.adapters.repository import CustomerRepository, FolderRepository
from customer.adapters.tenant_settings import TenantSettingsRepository


class CustomerUnitOfWork(UnitOfWork):
    customers: CustomerRepository
    tenants: TenantSettingsRepository
    folders: FolderRepository
    duplicates: DuplicateRepository
    operations: OperationRepository
    imports: ImportRepository
    exports: ExportRepository

    def _start(self) -> None:
        self.customers = CustomerRepository(self.session)
        self.tenants = TenantSettingsRepository(self.session)
        self.folders = FolderRepository(self.session)
        self.duplicates = DuplicateRepository(self.session)
        self.operations = OperationRepository(self.session)
        self.imports = ImportRepository(self.session)
        self.exports = ExportRepository(self.session)
