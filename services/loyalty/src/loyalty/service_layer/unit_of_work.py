from __future__ import annotations

from moodline_kit.uow import UnitOfWork

from loyalty.adapters.repository import EnrolmentRepository, LedgerRepository, ProgramRepository


class LoyaltyUnitOfWork(UnitOfWork):
    programs: ProgramRepository
    enrolments: EnrolmentRepository
    ledger: LedgerRepository

    def _start(self) -> None:
        self.programs = ProgramRepository(self.session)
        self.enrolments = EnrolmentRepository(self.session)
        self.ledger = LedgerRepository(self.session)
