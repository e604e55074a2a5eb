"""People, identities, profiles, states and consents per tenant (issue 11, finding 2)

Also ``account.last_active_at``, from which the retention of organisation
accounts counts (finding 6).

Identity keys (``telegram:<id>``, ``matrix:@a:b``, ``web:<cookie>``) were
unique across tenants, so the same Telegram user talking to two
municipalities' bots was one person. Now an identity is unique per
(tenant, key) and a conversation state per (identity, tenant).

Existing rows are split. A person is copied into every other tenant whose
bots they talked to, judged by what each tenant's bot stored: a consent given
there (the ``consent`` audit event carries the tenant of the bot), a
conversation state or web chat lines of their identities there. Into that
copy move that tenant's data: engagements on its needs, reminders, relayed
messages, memberships, offers, needs they posted, the profile saved there, and
audit events of that tenant naming the person. Data of a tenant whose bots
they never talked to (a neighbour's need found through their own bot) stays
with the person. Consent stays where it was given: each person's consent is
the latest ``consent`` event in its own tenant, none if there is none (the bot
asks again). A copy is made only when a consent or data lands in it; a mere
conversation state stays what it was before consent, a state without a person,
and starts afresh.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:10:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import core.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DT = core.models.base.UtcDateTime(timezone=True)

person = sa.table(
    "person",
    sa.column("id", sa.Integer),
    sa.column("tenant_id", sa.Integer),
    sa.column("display_name", sa.String),
    sa.column("language", sa.String),
    sa.column("consent_version", sa.String),
    sa.column("consented_at", _DT),
    sa.column("email", sa.String),
    sa.column("phone", sa.String),
    sa.column("created_at", _DT),
    sa.column("last_active_at", _DT),
)
identity = sa.table(
    "identity",
    sa.column("id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("channel", sa.String),
    sa.column("person_id", sa.Integer),
    sa.column("tenant_id", sa.Integer),
    sa.column("created_at", _DT),
    sa.column("unreachable_at", _DT),
)
tenant = sa.table("tenant", sa.column("id", sa.Integer), sa.column("slug", sa.String))
state = sa.table(
    "conversation_state",
    sa.column("identity", sa.String),
    sa.column("tenant_slug", sa.String),
    sa.column("data", sa.JSON),
)
chat_line = sa.table(
    "web_chat_line", sa.column("identity", sa.String), sa.column("tenant_slug", sa.String)
)
audit = sa.table(
    "audit_event",
    sa.column("id", sa.Integer),
    sa.column("tenant_id", sa.Integer),
    sa.column("at", _DT),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("subject", sa.String),
    sa.column("data", sa.JSON),
)
need = sa.table(
    "need",
    sa.column("id", sa.Integer),
    sa.column("tenant_id", sa.Integer),
    sa.column("created_by_person_id", sa.Integer),
)
engagement = sa.table(
    "engagement",
    sa.column("id", sa.Integer),
    sa.column("need_id", sa.Integer),
    sa.column("person_id", sa.Integer),
)
profile = sa.table(
    "volunteer_profile", sa.column("person_id", sa.Integer), sa.column("tenant_id", sa.Integer)
)
alert_reach = sa.table(
    "alert_reach",
    sa.column("person_id", sa.Integer),
    sa.column("category", sa.String),
    sa.column("home_lat", sa.Float),
    sa.column("home_lon", sa.Float),
    sa.column("radius_km", sa.Float),
    sa.column("availability_mask", sa.Integer),
    sa.column("spontaneous", sa.Boolean),
    sa.column("tenant_id", sa.Integer),
    sa.column("paused_until", _DT),
)
# Tables whose rows carry the tenant they belong to and a person.
_BY_TENANT = [
    sa.table(name, sa.column("person_id", sa.Integer), sa.column("tenant_id", sa.Integer))
    for name in ("reminder", "relay_message", "membership", "offer")
]


def upgrade() -> None:
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.drop_constraint("uq_identity_key", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_identity_tenant_id_key"), ["tenant_id", "key"]
        )
    _state_key(["identity", "tenant_slug"])
    _split(op.get_bind())
    # Retention of organisation accounts counts from their last use (finding 6).
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_active_at", _DT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("last_active_at")
    # Split people stay split; only the keys go back (fails if a key is now
    # used in two tenants, as it must: the old schema cannot hold that).
    _state_key(["identity"])
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.drop_constraint("uq_identity_tenant_id_key", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_identity_key"), ["key"])


def _state_key(columns: list[str]) -> None:
    """Rebuild conversation_state with the given primary key (portable: SQLite
    cannot alter a primary key in place)."""
    op.create_table(
        "conversation_state_new",
        sa.Column("identity", sa.String(length=300), nullable=False),
        sa.Column("tenant_slug", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _DT, nullable=False),
        sa.PrimaryKeyConstraint(*columns, name="pk_conversation_state_new"),
    )
    names = "identity, tenant_slug, language, data, version, updated_at"
    op.execute(
        f"INSERT INTO conversation_state_new ({names}) SELECT {names} FROM conversation_state"
    )
    op.drop_table("conversation_state")
    op.rename_table("conversation_state_new", "conversation_state")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE conversation_state RENAME CONSTRAINT pk_conversation_state_new "
            "TO pk_conversation_state"
        )


def _split(conn: sa.Connection) -> None:
    slugs = dict(conn.execute(sa.select(tenant.c.slug, tenant.c.id)).all())
    for row in conn.execute(sa.select(person)).mappings().all():
        _split_person(conn, dict(row), slugs)
    # A conversation another tenant's person had with this tenant's bot, where
    # this tenant has no person for them (no consent, no data): it starts
    # afresh, so no form goes on as if they had consented here.
    known = sa.select(identity.c.key)
    here = (
        sa.select(identity.c.id)
        .join(tenant, tenant.c.id == identity.c.tenant_id)
        .where(identity.c.key == state.c.identity, tenant.c.slug == state.c.tenant_slug)
        .exists()
    )
    conn.execute(
        sa.update(state)
        .where(state.c.identity.in_(known), ~here)
        .values(data=sa.literal({}, sa.JSON()))
    )


def _split_person(conn: sa.Connection, p: dict[str, Any], slugs: dict[str, int]) -> None:
    pid, home = p["id"], p["tenant_id"]
    idents = conn.execute(sa.select(identity).where(identity.c.person_id == pid)).mappings().all()
    keys = [i["key"] for i in idents]
    name = f"person:{pid}"
    consents = conn.execute(
        sa.select(audit.c.tenant_id, audit.c.at, audit.c.data)
        .where(audit.c.action == "consent", audit.c.subject == name)
        .order_by(audit.c.at, audit.c.id)
    ).all()
    latest: dict[int, tuple[Any, Any]] = {}
    for tenant_id, at, data in consents:
        latest[tenant_id] = ((data or {}).get("version"), at)
    # Tenants whose bots this person talked to, besides their own.
    talked: set[int] = set(latest)
    for table in (state, chat_line):
        for (slug,) in conn.execute(
            sa.select(table.c.tenant_slug).where(table.c.identity.in_(keys)).distinct()
        ):
            if slug in slugs:
                talked.add(slugs[slug])
    talked.discard(home)
    if consents:  # consent stays where it was given
        version, at = latest.get(home, (None, None))
        conn.execute(
            sa.update(person)
            .where(person.c.id == pid)
            .values(consent_version=version, consented_at=at)
        )
    for other in sorted(talked):
        if other not in latest and not _has_data(conn, pid, other):
            continue  # a state before consent, nothing more
        version, at = latest.get(other, (None, None))
        new_id = conn.execute(
            sa.insert(person)
            .values(
                {**{k: v for k, v in p.items() if k != "id"}, "tenant_id": other,
                 "consent_version": version, "consented_at": at}
            )
            .returning(person.c.id)
        ).scalar_one()  # fmt: skip
        used = {
            key
            for table in (state, chat_line)
            for (key,) in conn.execute(
                sa.select(table.c.identity).where(
                    table.c.identity.in_(keys),
                    table.c.tenant_slug.in_([s for s, i in slugs.items() if i == other]),
                )
            )
        }
        for i in idents:
            if used and i["key"] not in used:
                continue
            conn.execute(
                sa.insert(identity).values(
                    {**{k: v for k, v in i.items() if k != "id"}, "person_id": new_id,
                     "tenant_id": other}
                )
            )  # fmt: skip
        _move(conn, pid, new_id, other)


def _has_data(conn: sa.Connection, pid: int, tenant_id: int) -> bool:
    checks = [
        sa.select(engagement.c.id)
        .join(need, need.c.id == engagement.c.need_id)
        .where(engagement.c.person_id == pid, need.c.tenant_id == tenant_id),
        sa.select(need.c.id).where(
            need.c.created_by_person_id == pid, need.c.tenant_id == tenant_id
        ),
        sa.select(profile.c.person_id).where(
            profile.c.person_id == pid, profile.c.tenant_id == tenant_id
        ),
    ] + [
        sa.select(t.c.person_id).where(t.c.person_id == pid, t.c.tenant_id == tenant_id)
        for t in _BY_TENANT
    ]
    return any(conn.execute(q.limit(1)).first() is not None for q in checks)


def _move(conn: sa.Connection, pid: int, new_id: int, tenant_id: int) -> None:
    """That tenant's data of person ``pid`` to its own person ``new_id``."""
    conn.execute(
        sa.update(engagement)
        .where(
            engagement.c.person_id == pid,
            engagement.c.need_id.in_(sa.select(need.c.id).where(need.c.tenant_id == tenant_id)),
        )
        .values(person_id=new_id)
    )
    conn.execute(
        sa.update(need)
        .where(need.c.created_by_person_id == pid, need.c.tenant_id == tenant_id)
        .values(created_by_person_id=new_id)
    )
    for t in _BY_TENANT:
        conn.execute(
            sa.update(t)
            .where(t.c.person_id == pid, t.c.tenant_id == tenant_id)
            .values(person_id=new_id)
        )
    if conn.execute(
        sa.select(profile.c.person_id).where(
            profile.c.person_id == pid, profile.c.tenant_id == tenant_id
        )
    ).first():
        # alert_reach points at the profile's key: move it around the update.
        reach = (
            conn.execute(sa.select(alert_reach).where(alert_reach.c.person_id == pid))
            .mappings()
            .all()
        )
        conn.execute(sa.delete(alert_reach).where(alert_reach.c.person_id == pid))
        conn.execute(sa.update(profile).where(profile.c.person_id == pid).values(person_id=new_id))
        for r in reach:
            conn.execute(sa.insert(alert_reach).values({**r, "person_id": new_id}))
    old, new = f"person:{pid}", f"person:{new_id}"
    for column in (audit.c.actor, audit.c.subject):
        conn.execute(
            sa.update(audit)
            .where(audit.c.tenant_id == tenant_id, column == old)
            .values({column.key: new})
        )
