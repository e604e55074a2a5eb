"""DSGVO erasure removes everything personal and keeps only anonymous counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bots.bootstrap import bootstrap
from core.clock import FixedClock
from core.db import Database
from core.models import (
    ChatEmail,
    ConversationState,
    Engagement,
    Identity,
    Need,
    NeedStatus,
    Organisation,
    OrgKind,
    Person,
    RelayMessage,
    Reminder,
    WebChatLine,
)
from core.services.needs import NeedInput, post_need
from core.services.people import delete_person, register_with_consent
from core.services.signup import sign_up
from core.settings import Settings

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


async def test_erasure_leaves_nothing_personal(db: Database, tmp_path: Path) -> None:
    app = await bootstrap(Settings.from_env(data_dir=tmp_path), db=db, clock=FixedClock(NOW))
    async with db.transaction() as session:
        org = Organisation(
            tenant_id=app.tenant_ids["stolberg"],
            name="Tafel (Test)",
            kind=OrgKind.VEREIN,
            created_at=NOW,
        )
        session.add(org)
        await session.flush()
        org_id = org.id
    need = await post_need(
        db,
        organisation_id=org_id,
        data=NeedInput(
            title="Ausgabe",
            category="soziales",
            lat=50.77,
            lon=6.22,
            starts_at=NOW + timedelta(days=2),
            ends_at=NOW + timedelta(days=2, hours=2),
            helpers_wanted=1,
        ),
        taxonomy=app.taxonomy,
        places=app.places,
        now=NOW,
        tz=ZoneInfo("Europe/Berlin"),
        actor="test",
    )
    gone = await register_with_consent(
        db, tenant_slug="stolberg", identity="web:abc", consent_version="1", language="de", now=NOW
    )
    waiting = await register_with_consent(
        db, tenant_slug="stolberg", identity="web:def", consent_version="1", language="de", now=NOW
    )
    first = await sign_up(db, gone.id, need.id, NOW)
    second = await sign_up(db, waiting.id, need.id, NOW)
    async with db.transaction() as session:
        session.add(
            WebChatLine(identity="web:abc", tenant_slug="stolberg", html="Hallo", created_at=NOW)
        )
        session.add(
            ConversationState(identity="web:abc", tenant_slug="stolberg", data={}, updated_at=NOW)
        )
        session.add(
            RelayMessage(
                tenant_id=app.tenant_ids["stolberg"],
                organisation_id=org_id,
                need_id=need.id,
                person_id=gone.id,
                direction="from_volunteer",
                body="Meine Nummer ist 0123",
                delivered=True,
                created_at=NOW,
            )
        )

    await delete_person(db, gone.id, NOW)

    async with db.sessions() as session:

        async def count(model, *where) -> int:  # type: ignore[no-untyped-def]
            q = select(func.count()).select_from(model)
            return int(await session.scalar(q.where(*where) if where else q) or 0)

        assert await count(Person, Person.id == gone.id) == 0
        assert await count(Identity, Identity.key == "web:abc") == 0
        assert await count(WebChatLine, WebChatLine.identity == "web:abc") == 0
        assert await count(ConversationState, ConversationState.identity == "web:abc") == 0
        assert await count(RelayMessage) == 0
        assert await count(Reminder, Reminder.person_id == gone.id) == 0
        kept = await session.get(Engagement, first.engagement_id)
        moved = await session.get(Engagement, second.engagement_id)
    assert kept is not None and kept.person_id is None  # an anonymous count stays
    assert moved is not None and not moved.waitlisted  # the waitlist moved up


# -- Art. 17 without remainder (issue 11, finding 6) ----------------------------

ANNEGRET = "Annegret"
MAIL = "annegret.kowalski@example.org"
PHONE = "+49 171 5550123"
MATRIX_USER = "@annegret:example.org"
TELEGRAM_ID = "55501234"
WEB_COOKIE = "q7ZcookieANNEGRET"
REPLY = "Ich bringe mein Lastenrad mit, Grüße aus Forst"
CHAT_TEXT = "Hallo, ich möchte beim Nähcafé helfen"
OFFER = "Nähmaschine zum Ausleihen"
CHAT_MAIL = "annegret.chat@example.org"  # her web chat's opt-in address
FEEDBACK = f"Schöne Sache! Ruft mich an: {PHONE}, {ANNEGRET}"


def _mail(to: str, body: str) -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "ehrenamt-bot@localhost"
    msg["To"] = to
    msg["Subject"] = "Antwort zu: Ausgabe"
    msg.set_content(body)  # non-ASCII: quoted-printable or base64 on disk
    return bytes(msg)


async def _annegret_everywhere(app, db: Database, files_dir: Path, outbox: Path) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A person with data in every table that can hold some, a Matrix store
    and an outbox mail; returns (person id, organisation id)."""
    from bots.matrix.store import MatrixStore, PendingEvent, SyncState
    from core.models import Account, AuditEvent, Membership, Offer, Role
    from core.services.profiles import ProfileData, save_profile
    from core.services.relay import record_reply, send_to_volunteer
    from core.services.web_chat import NewLine, append

    tenant_id = app.tenant_ids["aachen"]
    async with db.transaction() as session:
        org = Organisation(
            tenant_id=tenant_id, name="Nähcafé Forst", kind=OrgKind.VEREIN, created_at=NOW
        )
        session.add(org)
        await session.flush()
        org_id = org.id
    person = await register_with_consent(
        db,
        tenant_slug="aachen",
        identity=f"matrix:{MATRIX_USER}",
        consent_version="2026-11",
        language="de",
        now=NOW,
        display_name=ANNEGRET,
    )
    pid = person.id
    need = await post_need(
        db,
        organisation_id=org_id,
        data=NeedInput(
            title="Ausgabe",
            category="soziales",
            lat=50.75,
            lon=6.11,
            starts_at=NOW + timedelta(days=2),
            ends_at=NOW + timedelta(days=2, hours=2),
            helpers_wanted=2,
        ),
        taxonomy=app.taxonomy,
        places=app.places,
        now=NOW,
        tz=ZoneInfo("Europe/Berlin"),
        actor=f"person:{pid}",
    )
    async with db.transaction() as session:
        p = await session.get(Person, pid)
        assert p is not None
        p.email, p.phone = MAIL, PHONE
        for key in (f"telegram:{TELEGRAM_ID}", f"web:{WEB_COOKIE}"):
            session.add(
                Identity(
                    key=key,
                    channel=key.split(":")[0],
                    person_id=pid,
                    tenant_id=tenant_id,
                    created_at=NOW,
                )
            )
        for key in (f"matrix:{MATRIX_USER}", f"telegram:{TELEGRAM_ID}", f"web:{WEB_COOKIE}"):
            session.add(
                ConversationState(
                    identity=key,
                    tenant_slug="aachen",
                    data={"slots": {"home": "Forst", "said": CHAT_TEXT}},
                    updated_at=NOW,
                )
            )
        session.add(Membership(tenant_id=tenant_id, organisation_id=org_id, person_id=pid,
                               role=Role.MEMBER, created_at=NOW))  # fmt: skip
        session.add(Account(email=MAIL, display_name=ANNEGRET, person_id=pid, created_at=NOW))
        session.add(ChatEmail(person_id=pid, tenant_id=tenant_id, address=CHAT_MAIL,
                              stop_token="stop-annegret", requested_at=NOW,
                              verified_at=NOW))  # fmt: skip
        session.add(Offer(tenant_id=tenant_id, person_id=pid, title=OFFER, kind="resource",
                          description=f"{ANNEGRET}, {PHONE}", created_at=NOW))  # fmt: skip
        session.add(AuditEvent(tenant_id=tenant_id, at=NOW, actor="system", action="note",
                               subject=f"person:{pid}", data={}))  # fmt: skip
        n = await session.get(Need, need.id)
        assert n is not None
        n.created_by_person_id = pid
        n.status, n.published_at = NeedStatus.PUBLISHED, NOW  # as an editor would
    await save_profile(
        db,
        ProfileData(person_id=pid, tenant_id=tenant_id, interests=("soziales",),
                    home_lat=50.75, home_lon=6.11, home_label="Forst", urgent_alerts=True),
        app.taxonomy,
        NOW,
    )  # fmt: skip
    signed = await sign_up(db, pid, need.id, NOW)
    from core.services.feedback import keep_feedback

    await keep_feedback(db, person_id=pid, channel="matrix", language="de", body=FEEDBACK, now=NOW)
    await send_to_volunteer(db, org_id, signed.engagement_id, f"Danke {ANNEGRET}!",
                            account_id=None, now=NOW)  # fmt: skip
    assert await record_reply(db, pid, REPLY, now=NOW) == org_id
    await append(db, f"web:{WEB_COOKIE}", "aachen",
                 [NewLine(from_bot=False, html=CHAT_TEXT), NewLine(True, f"Hallo {ANNEGRET}")],
                 NOW)  # fmt: skip
    # The Matrix bot's store: her direct room, buttons offered there, a
    # message of hers waiting for its room key; another user's entries stay.
    store = MatrixStore(files_dir / "matrix" / "aachen")
    await store.open()
    await store.save_state(
        SyncState(
            next_batch="s1",
            direct={MATRIX_USER: "!dm-annegret:example.org", "@bob:example.org": "!dm-bob:x"},
            buttons={"!dm-annegret:example.org": [("Ja", "f:consent:yes")]},
            pending={
                "$e1": PendingEvent(
                    "!dm-annegret:example.org",
                    {"sender": MATRIX_USER, "content": {"ciphertext": "AwgA"}},
                    1.0,
                )
            },
        )
    )
    _write_outbox(outbox)
    return pid, org_id


def _write_outbox(outbox: Path) -> None:
    """Her reply mailed to the organisation, and someone else's mail."""
    outbox.mkdir(parents=True)
    (outbox / "1-reply.eml").write_bytes(
        _mail("tafel@example.org", f"{ANNEGRET} schreibt:\n\n{REPLY}\n")
    )
    (outbox / "2-other.eml").write_bytes(_mail("bob@example.org", "Ihr Link: https://x/y\n"))


def _found(text: str, needles: list[str]) -> list[str]:
    folded = text.casefold()
    return [n for n in needles if n.casefold() in folded]


async def test_erasure_leaves_no_trace_in_any_table_or_file(db: Database, tmp_path: Path) -> None:
    import json

    from core.models import Base
    from core.services.privacy import mail_text

    data_dir, outbox = tmp_path / "data", tmp_path / "data" / "outbox"
    settings = Settings.from_env(data_dir=data_dir, outbox_dir=outbox)
    app = await bootstrap(settings, db=db, clock=FixedClock(NOW))
    pid, _ = await _annegret_everywhere(app, db, data_dir, outbox)
    needles = [ANNEGRET, MAIL, "5550123", TELEGRAM_ID, MATRIX_USER, "dm-annegret",
               WEB_COOKIE, "Lastenrad", "Nähcafé helfen", OFFER, CHAT_MAIL,
               f"person:{pid}"]  # fmt: skip

    await delete_person(db, pid, NOW, app.personal_files)

    left: list[str] = []
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            person_columns = [
                c.name for c in table.columns for fk in c.foreign_keys
                if fk.column.table.name == "person"
            ]  # fmt: skip
            for row in (await conn.execute(table.select())).mappings():
                for column, value in row.items():
                    as_text = json.dumps(value, default=str, ensure_ascii=False)
                    left += [f"{table.name}.{column}: {n}" for n in _found(as_text, needles)]
                    if column in person_columns and value == pid:
                        left.append(f"{table.name}.{column} = person {pid}")
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        text = raw.decode("utf-8", "replace")
        if path.suffix == ".eml":
            text += mail_text(raw)
        left += [f"{path.relative_to(data_dir)}: {n}" for n in _found(text, needles)]
    assert left == []
    # What is not hers stays: the other user's room, the other mail, the organisation.
    state = json.loads((data_dir / "matrix" / "aachen" / "state.json").read_text())
    assert state["direct"] == {"@bob:example.org": "!dm-bob:x"}
    assert [p.name for p in outbox.iterdir()] == ["2-other.eml"]
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 1
        assert await session.scalar(select(func.count()).select_from(Engagement)) == 1
        # her feedback stays only as a count: no text, no person
        from core.models import Feedback

        kept = (await session.execute(select(Feedback.body, Feedback.person_id))).all()
        assert [tuple(r) for r in kept] == [("", None)]


async def test_export_holds_every_kind_of_their_data(db: Database, tmp_path: Path) -> None:
    from core.services.export import export_person

    data_dir = tmp_path / "data"
    app = await bootstrap(Settings.from_env(data_dir=data_dir), db=db, clock=FixedClock(NOW))
    pid, _ = await _annegret_everywhere(app, db, data_dir, data_dir / "outbox")

    exported = await export_person(db, pid)

    relayed = exported["relay_messages"]
    assert sorted(m["direction"] for m in relayed) == ["from_volunteer", "to_volunteer"]
    assert REPLY in [m["body"] for m in relayed]
    assert [line["html"] for line in exported["web_chat"]] == [CHAT_TEXT, f"Hallo {ANNEGRET}"]
    assert [o["title"] for o in exported["offers"]] == [OFFER]
    assert [f["body"] for f in exported["feedback"]] == [FEEDBACK]
    assert [n["title"] for n in exported["needs_posted"]] == ["Ausgabe"]
    (account,) = exported["accounts"]
    assert account["email"] == MAIL and "password_hash" not in account
    assert [c["address"] for c in exported["chat_email"]] == [CHAT_MAIL]
    assert "stop_token" not in exported["chat_email"][0]
    actions = {e["action"] for e in exported["audit_events"]}
    assert {"consent", "signed_up", "note"} <= actions
    assert len(exported["identities"]) == 3 and len(exported["conversations"]) == 3


# -- issue 14: offers and the relay both ways go with the person ------------------


async def test_erasure_takes_offers_questions_contacts_and_their_pending_notices(
    db: Database, tmp_path: Path
) -> None:
    """Heinrich offers, asks a question before signing up and passes his phone
    number to the organisation that answered his offer; each of his messages
    is queued for the organisation's chat-linked member Renate. Erasing him
    removes the offer, every relayed message and the notices not yet shown to
    Renate; Luisa's question to the same organisation stays, with its notice."""
    from core.models import Membership, Offer, Role
    from core.reminders import kinds
    from core.services.offers import OfferDraft, post_person_offer
    from core.services.relay import answer_offer, ask_question, share_contact_for_offer

    app = await bootstrap(Settings.from_env(data_dir=tmp_path), db=db, clock=FixedClock(NOW))
    tenant_id = app.tenant_ids["aachen"]
    async with db.transaction() as session:
        org = Organisation(
            tenant_id=tenant_id, name="Repair-Café (Test)", kind=OrgKind.VEREIN, created_at=NOW
        )
        session.add(org)
        await session.flush()
        org_id = org.id
    need = await post_need(
        db,
        organisation_id=org_id,
        data=NeedInput(
            title="Reparieren",
            category="handwerk",
            lat=50.77,
            lon=6.15,
            starts_at=NOW + timedelta(days=4),
            ends_at=NOW + timedelta(days=4, hours=3),
            helpers_wanted=2,
        ),
        taxonomy=app.taxonomy,
        places=app.places,
        now=NOW,
        tz=ZoneInfo("Europe/Berlin"),
        actor="test",
    )
    async with db.transaction() as session:
        n = await session.get(Need, need.id)
        assert n is not None
        n.status, n.published_at = NeedStatus.PUBLISHED, NOW

    def person(identity: str):  # type: ignore[no-untyped-def]
        return register_with_consent(
            db, tenant_slug="aachen", identity=identity, consent_version="2026-11",
            language="de", now=NOW,
        )  # fmt: skip

    heinrich, luisa, renate = (
        await person("telegram:1"), await person("telegram:2"), await person("telegram:3")
    )  # fmt: skip
    async with db.transaction() as session:
        session.add(Membership(tenant_id=tenant_id, organisation_id=org_id,
                               person_id=renate.id, role=Role.MEMBER, created_at=NOW))  # fmt: skip
    offer = await post_person_offer(
        db,
        heinrich.id,
        OfferDraft(title="Fahrräder reparieren", kind="skill", category="handwerk",
                   lat=50.77, lon=6.15, place_label="Eilendorf"),
        now=NOW,
    )  # fmt: skip
    await ask_question(db, heinrich.id, need.id, "Brauche ich Werkzeug?", now=NOW)
    answered = await answer_offer(db, org_id, offer, "Kommst du Samstag?", now=NOW)
    await share_contact_for_offer(db, heinrich.id, answered.message_id, "0241 123456", now=NOW)
    await ask_question(db, luisa.id, need.id, "Gibt es Kaffee?", now=NOW)

    async def to_renate() -> int:
        async with db.sessions() as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(Reminder)
                    .where(
                        Reminder.person_id == renate.id,
                        Reminder.kind == kinds.RELAY_TO_MEMBER.name,
                    )
                )
                or 0
            )

    assert await to_renate() == 3  # his question and contact, her question

    await delete_person(db, heinrich.id, NOW)

    async with db.sessions() as session:
        left = (await session.scalars(select(RelayMessage.body))).all()
        offers = await session.scalar(select(func.count()).select_from(Offer))
    assert left == ["Gibt es Kaffee?"]
    assert offers == 0
    assert await to_renate() == 1  # Luisa's question is still to be shown
