"""Pre-counted dispatch totals for the sendings reports (``sendings``, ``sendings_events_history``,
``sendings_recipients_statistics``, ``sendings_stats``).

The database keeps them, not the application: triggers on ``message_dispatches`` and ``members``
(migration ``0020_messaging_totals``) write every change of what a dispatch counts for (its recipient row:
status, channel, the member's gender and age band; its events in the hour they happened) to
``message_dispatch_total_changes`` as signed counts, in the transaction of the change. So whatever writes
a dispatch (the delivery worker, a bulk load, a cascade delete, the visit of a link that does not touch it)
keeps the totals right without calling anything, and nothing waits on a shared counter row: changes are
only appended. :func:`fold` moves the changes into ``message_dispatch_totals`` (the worker's
``messaging_totals`` job, every few seconds); :func:`counted` reads both, so a report equals a recount of
the rows whether the changes were folded yet or not. Why: docs/decisions/messaging.md (Reporting).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, select, union_all
from sqlalchemy.orm import Session

from loyaltyhub.db.dialect import fold_into, try_transaction_lock
from loyaltyhub.db.tenancy import across_clubs, same_club
from loyaltyhub.messaging.models import TOTAL_KEYS, DispatchTotal, DispatchTotalChange, Sending

COUNT = "dispatches_count"
NONE = ""
"""What the totals store for no channel, no gender, no age band (their keys are unique, NULLs are not)."""


def fold(session: Session) -> bool:
    """Add the committed changes to the totals and drop the totals that came back to zero; False when
    another fold holds the lock (it does the same work)."""
    if not try_transaction_lock(session, "messaging_dispatch_totals_fold"):
        return False
    if session.execute(across_clubs(select(DispatchTotalChange.id).limit(1))).first() is None:
        return True  # nothing to fold (the job's idle tick costs one index probe)
    fold_into(session, DispatchTotalChange.__table__, DispatchTotal.__table__, TOTAL_KEYS, COUNT)
    session.execute(across_clubs(delete(DispatchTotal).where(DispatchTotal.dispatches_count == 0)))
    session.flush()
    return True


def counted() -> Any:
    """The totals and the changes not folded yet, as one FROM clause: summed per key, they are the totals
    of every dispatch the reading transaction sees."""
    totals, changes, sendings = DispatchTotal.__table__, DispatchTotalChange.__table__, Sending.__table__
    names = (*TOTAL_KEYS, COUNT)

    def of(table: Any) -> Any:
        # Only the totals of sendings that exist (a deleted sending's dispatches went with it).
        on = and_(sendings.c.id == table.c.sending_id, same_club(sendings, table))
        return select(*(table.c[name] for name in names)).select_from(table.join(sendings, on))

    return union_all(of(totals), of(changes)).subquery("dispatch_totals")
