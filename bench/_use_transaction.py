"""The transaction of one use of a regular offer, as the service issues it (``member_offers.context.
offer_target``, then ``service.use_offer``): the baseline of ``bench.use_offer``, issued by psycopg
threads, by the floor app (``bench._floor_app``) and by pgbench."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from loyaltyhub.offers.stock import SHARDS as STOCK_SHARDS

# Club, member, offer with its uses and collection ids in one query; the member's counter created or
# locked; the usage; the counter's new state; a free stock shard taken (conditional UPDATE ... RETURNING).
RAW_USE = [
    "SELECT c.*, m.*, o.*, (SELECT coalesce(sum(s.uses_count), 0) FROM offer_stock_shards s"
    " WHERE s.loyalty_club_id = o.loyalty_club_id AND s.offer_id = o.id),"
    " (SELECT string_agg(oc.collection_id::text, ',') FROM offer_collections oc"
    " WHERE oc.loyalty_club_id = o.loyalty_club_id AND oc.offer_id = o.id)"
    " FROM loyalty_clubs c"
    " LEFT JOIN members m ON m.loyalty_club_id = c.id AND m.id = %(member)s AND m.deleted_at IS NULL"
    " LEFT JOIN offers o ON o.loyalty_club_id = c.id AND o.id = %(offer)s"
    " WHERE c.slug = %(slug)s",
    "INSERT INTO member_offer_counters (loyalty_club_id, member_id, offer_id, uses_count, period_uses)"
    " VALUES (%(club)s, %(member)s, %(offer)s, 0, 0) ON CONFLICT (loyalty_club_id, member_id, offer_id)"
    " DO UPDATE SET member_id = member_offer_counters.member_id RETURNING *",
    "INSERT INTO offer_usages (loyalty_club_id, offer_id, member_id, used_at, authorized, offer_type,"
    " collection_ids, member_gender, member_age, product_name) VALUES (%(club)s, %(offer)s, %(member)s,"
    " %(now)s, false, 'regular', '[]', 'male', '25-29', 'bench') RETURNING id",
    "UPDATE member_offer_counters SET uses_count = uses_count + 1, last_used_at = %(now)s, active_until = NULL,"
    " period_start = NULL, period_uses = 0"
    " WHERE loyalty_club_id = %(club)s AND member_id = %(member)s AND offer_id = %(offer)s",
    "UPDATE offer_stock_shards SET uses_count = uses_count + 1 WHERE id = (SELECT id FROM offer_stock_shards"
    " WHERE loyalty_club_id = %(club)s AND offer_id = %(offer)s AND (allowance IS NULL OR uses_count < allowance)"
    f" ORDER BY (shard + {STOCK_SHARDS} - %(first_shard)s) %% {STOCK_SHARDS} LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING uses_count + (SELECT coalesce(sum(o.uses_count), 0) FROM offer_stock_shards o"
    " WHERE o.loyalty_club_id = offer_stock_shards.loyalty_club_id AND o.offer_id = offer_stock_shards.offer_id"
    " AND o.id <> offer_stock_shards.id)",
]


def use_params(slug: str, club_id: int, offer_id: int, member_id: int) -> dict[str, Any]:
    """The parameters of :data:`RAW_USE` for one member (``now`` is set per transaction)."""
    return {
        "slug": slug,
        "club": club_id,
        "offer": offer_id,
        "member": member_id,
        "first_shard": member_id % STOCK_SHARDS,
        "now": datetime.now(UTC),
    }


def pgbench_script() -> str:
    """:data:`RAW_USE` as a pgbench script: client ``k`` uses member ``:first_member + k``; ``slug``,
    ``club``, ``offer`` and ``first_member`` come from ``pgbench -D``."""
    statements = [
        re.sub(r"%\((\w+)\)s", lambda m: "now()" if m[1] == "now" else f":{m[1]}", sql).replace("%%", "%")
        for sql in RAW_USE
    ]
    lines = [
        "\\set member :first_member + :client_id",
        f"\\set first_shard :member % {STOCK_SHARDS}",
        "BEGIN;",
        *(f"{sql};" for sql in statements),
        "COMMIT;",
    ]
    return "\n".join(lines) + "\n"
