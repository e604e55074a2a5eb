"""Issue 14.8 on the web: needs exported as CSV and JSON (editors: their
tenant's, organisations: their own), imported from CSV with a dry run that
lists every row's errors by line and writes nothing, an import that writes
only the valid rows (through moderation), and the public needs.json feed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

import httpx
from sqlalchemy import func, select, update

from core.clock import as_utc
from core.models import Need, NeedStatus
from core.services import moderation
from core.services.needs import cancel_need
from core.services.needs_exchange import FEED_FIELDS, FIELDS
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import (
    BERLIN,
    csrf_of,
    log_in_editor,
    post_need,
    sign_up_organisation,
)


async def _approve(web: Web, need_id: int) -> None:
    await moderation.review(
        web.app.db, web.app.tenant_ids["aachen"], need_id, approve=True, reason="",
        actor="test", now=web.clock.now(),
    )  # fmt: skip


async def _count(web: Web) -> int:
    async with web.app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Need)) or 0)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def _upload(
    client: httpx.AsyncClient, body: str, action: str, tenant: str = "aachen"
) -> httpx.Response:
    token = await csrf_of(client, f"/t/{tenant}/editor/exchange")
    return await client.post(
        f"/t/{tenant}/editor/exchange",
        data={"csrf": token, "action": action},
        files={"file": ("gesuche.csv", body.encode("utf-8"), "text/csv")},
    )


async def _two_needs(web: Web) -> tuple[httpx.AsyncClient, int, int]:
    """Aachener Tafel posts a one-off and a weekly need; both approved."""
    org = await sign_up_organisation(web)
    once = await post_need(web, org, title="Ausgabe am Samstag")
    until = (web.clock.now().astimezone(BERLIN) + timedelta(days=60)).date().isoformat()
    weekly = await post_need(
        web, org, title="Hausaufgabenhilfe", category="bildung", schedule="weekly",
        days=["di", "do"], weekly_start="15:00", weekly_end="17:00", valid_until=until,
    )  # fmt: skip
    for need_id in (once, weekly):
        await _approve(web, need_id)
    return org, once, weekly


DAY = "2026-12-10"


def _csv(*lines: str) -> str:
    header = "title,category,organisation,place,starts_at,ends_at,helpers_wanted,urgent"
    return "\r\n".join((header, *lines)) + "\r\n"


GOOD_1 = f"Laub fegen im Park,umwelt,Aachener Tafel,Burtscheid,{DAY}T10:00,{DAY}T12:00,2,nein"
BROKEN = "Kaputte Zeile,gibtsnicht,Unbekannter Verein,Burtscheid,morgen früh,,drei,vielleicht"
GOOD_2 = (
    f'"Vorlesen, im Seniorenheim",senioren,Aachener Tafel,Burtscheid,{DAY} 15:00,{DAY} 16:00,1,'
)


async def test_dry_run_lists_every_error_by_line_and_writes_nothing(web_app: Web) -> None:
    await sign_up_organisation(web_app)
    editor = await log_in_editor(web_app)
    before = await _count(web_app)

    page = await _upload(editor, _csv(GOOD_1, BROKEN, GOOD_2), "check")

    assert page.status_code == 200, page.text
    assert await _count(web_app) == before  # nothing written in the dry run
    assert "Probelauf: 2 Zeilen fehlerfrei, 1 Zeile mit Fehlern" in page.text
    broken = page.text.split("Zeile 3")[1].split("</tr>")[0]
    for message in (
        "Diesen Bereich kennen wir nicht: „gibtsnicht“",
        "Diese Organisation gibt es in Ihrer Kommune nicht: „Unbekannter Verein“",
        "starts_at: Bitte Datum und Uhrzeit eintragen",
        "ends_at: Bitte ausfüllen.",
        "helpers_wanted: Bitte eine ganze Zahl eintragen (nicht „drei“)",
        "urgent: Bitte ja oder nein eintragen (nicht „vielleicht“)",
    ):
        assert message in broken, message
    assert "Zeile 2" in page.text and "Zeile 4" in page.text
    assert "Jetzt die 2 fehlerfreien Zeilen importieren" in page.text


async def test_import_writes_only_the_valid_rows_through_moderation(web_app: Web) -> None:
    await sign_up_organisation(web_app)
    editor = await log_in_editor(web_app)
    before = await _count(web_app)

    page = await _upload(editor, _csv(GOOD_1, BROKEN, GOOD_2), "import")

    assert page.status_code == 200, page.text
    assert "Import: 2 Bedarfe gespeichert (auf Freigabe wartend: 2), 1 Zeile mit" in page.text
    assert "nicht gespeichert" in page.text.split("Zeile 3")[1].split("</tr>")[0]
    async with web_app.app.db.sessions() as session:
        new = (await session.execute(select(Need.title, Need.status).order_by(Need.id))).all()
    assert await _count(web_app) == before + 2
    assert [tuple(r) for r in new[-2:]] == [
        ("Laub fegen im Park", NeedStatus.PENDING_REVIEW),  # Aachen moderates, as on the web
        ("Vorlesen, im Seniorenheim", NeedStatus.PENDING_REVIEW),
    ]


async def test_the_confirm_button_imports_the_checked_file(web_app: Web) -> None:
    await sign_up_organisation(web_app)
    editor = await log_in_editor(web_app)
    before = await _count(web_app)
    page = await _upload(editor, _csv(GOOD_1, BROKEN), "check")
    kept = page.text.split('name="csv_text" hidden>')[1].split("</textarea>")[0]
    kept = kept.removeprefix("\n")  # as a browser reads a textarea
    import html

    token = await csrf_of(editor, "/t/aachen/editor/exchange")
    done = await editor.post(
        "/t/aachen/editor/exchange",
        data={"csrf": token, "action": "import", "csv_text": html.unescape(kept)},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert "Import: 1 Bedarf gespeichert" in done.text, done.text
    assert await _count(web_app) == before + 1


async def test_files_that_cannot_be_read_get_a_friendly_answer(web_app: Web) -> None:
    editor = await log_in_editor(web_app)
    missing = await _upload(editor, "titel;bereich\nA;B\n", "check")
    assert missing.status_code == 400
    assert "Diese Spalte fehlt in der ersten Zeile" in missing.text
    binary = await _upload(editor, "", "check")
    assert binary.status_code == 400 and "Bitte wählen Sie eine CSV-Datei aus." in binary.text
    english = await editor.get("/t/aachen/editor/exchange?lang=en")
    assert "Dry run (save nothing)" in english.text


async def test_export_round_trip_csv_and_json(web_app: Web) -> None:
    await _two_needs(web_app)
    editor = await log_in_editor(web_app)
    exported = await editor.get("/t/aachen/editor/needs.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = _rows(exported.text)
    assert tuple(rows[0].keys()) == FIELDS
    as_json = (await editor.get("/t/aachen/editor/needs.json")).json()
    assert as_json["fields"] == list(FIELDS)
    assert [r["id"] for r in as_json["needs"]] == [int(r["id"]) for r in rows]
    for record, row in zip(as_json["needs"], rows, strict=True):
        assert set(record) == set(FIELDS)
        assert record["title"] == row["title"] and record["starts_at"] == (row["starts_at"] or None)
        assert " ".join(record["weekdays"]) == row["weekdays"]
    weekly = next(r for r in rows if r["title"] == "Hausaufgabenhilfe")
    assert (weekly["weekdays"], weekly["time_from"], weekly["time_to"]) == (
        "di do",
        "15:00",
        "17:00",
    )

    before = await _count(web_app)
    # The same file again changes nothing: every row is a need that exists.
    again = await _upload(editor, exported.text, "check")
    assert f"{len(rows)} Zeilen nicht importiert, weil es den Bedarf schon gibt" in again.text
    assert f"gibt es schon (Bedarf {rows[0]['id']})" in again.text
    page = await _upload(editor, exported.text, "import")
    assert "Import: 0 Bedarfe gespeichert" in page.text, page.text
    assert await _count(web_app) == before
    # Renamed, every row comes back with the same fields.
    renamed = exported.text
    for row in rows:
        renamed = renamed.replace(row["title"], row["title"] + " 2")
    page = await _upload(editor, renamed, "import")
    assert f"Import: {len(rows)} Bedarfe gespeichert" in page.text, page.text
    assert await _count(web_app) == before + len(rows)

    again_rows = _rows((await editor.get("/t/aachen/editor/needs.csv")).text)
    originals, copies = again_rows[: len(rows)], again_rows[len(rows) :]
    same = [f for f in FIELDS if f not in ("id", "status", "title")]
    assert [{f: r[f] for f in same} for r in copies] == [{f: r[f] for f in same} for r in originals]
    assert [r["title"] for r in copies] == [r["title"] + " 2" for r in originals]


async def test_valid_until_is_the_last_day_out_and_the_end_of_that_day_in(web_app: Web) -> None:
    """A series "bis 31.1." is stored as the midnight after it: the export
    shows the 31st (not a time that reads as the 1st, or as 23:00 the 30th),
    and a date read in ends at the end of that day, so the round trip keeps it."""
    await _two_needs(web_app)
    until = (web_app.clock.now().astimezone(BERLIN) + timedelta(days=60)).date()
    editor = await log_in_editor(web_app)
    rows = _rows((await editor.get("/t/aachen/editor/needs.csv")).text)
    weekly = next(r for r in rows if r["title"] == "Hausaufgabenhilfe")
    assert weekly["valid_until"] == until.isoformat()
    as_json = (await editor.get("/t/aachen/editor/needs.json")).json()
    record = next(r for r in as_json["needs"] if r["title"] == "Hausaufgabenhilfe")
    assert record["valid_until"] == until.isoformat()
    feed = (await web_app.new_client().get("/t/aachen/needs.json")).json()
    public = next(r for r in feed["needs"] if r["title"] == "Hausaufgabenhilfe")
    assert public["valid_until"] == until.isoformat()  # the public feed: the same last day

    header = "title,category,organisation,place,weekdays,time_from,time_to,valid_until"
    german = until.strftime("%d.%m.%Y")
    body = "\r\n".join(
        (
            header,
            f"Lesepaten,bildung,Aachener Tafel,Burtscheid,mi,15:00,16:00,{until.isoformat()}",
            f"Lesepaten 2,bildung,Aachener Tafel,Burtscheid,mi,15:00,16:00,{german}",
        )
    )
    page = await _upload(editor, body + "\r\n", "import")
    assert "Import: 2 Bedarfe gespeichert" in page.text, page.text
    end_of_day = datetime.combine(until + timedelta(days=1), time(0), BERLIN)
    async with web_app.app.db.sessions() as session:
        stored = (
            await session.scalars(select(Need.valid_until).where(Need.title.like("Lesepaten%")))
        ).all()
    assert [as_utc(v) for v in stored] == [end_of_day.astimezone(UTC)] * 2


async def test_closed_needs_in_an_import_are_skipped(web_app: Web) -> None:
    """Cancelled, filled, expired or rejected rows of an export are history."""
    await sign_up_organisation(web_app)
    editor = await log_in_editor(web_app)
    before = await _count(web_app)
    header, row = _csv(GOOD_1).splitlines()[:2]
    text = f"{header},status\r\n{row},cancelled\r\n"
    page = await _upload(editor, text, "import")
    assert "abgesagt, besetzt, abgelaufen oder abgelehnt" in page.text, page.text
    assert await _count(web_app) == before


async def test_organisations_export_only_their_own_needs(web_app: Web) -> None:
    tafel, once, weekly = await _two_needs(web_app)
    other = await sign_up_organisation(
        web_app, email="b@verein-b.de", name="Verein B", client=web_app.new_client()
    )
    theirs = await post_need(web_app, other, title="Trikots waschen")

    own = _rows((await tafel.get("/t/aachen/org/needs.csv")).text)
    assert sorted(int(r["id"]) for r in own) == [once, weekly]
    assert {r["organisation"] for r in own} == {"Aachener Tafel"}
    b_json = (await other.get("/t/aachen/org/needs.json")).json()
    assert [r["id"] for r in b_json["needs"]] == [theirs]
    # the tenant's export and the import are the Redaktion's
    assert (await tafel.get("/t/aachen/editor/needs.csv")).status_code == 403
    assert (await tafel.get("/t/aachen/editor/exchange")).status_code == 403
    token = await csrf_of(tafel, "/t/aachen/org/")
    refused = await tafel.post(
        "/t/aachen/editor/exchange",
        data={"csrf": token, "action": "import"},
        files={"file": ("g.csv", _csv(GOOD_1).encode(), "text/csv")},
    )
    assert refused.status_code == 403
    stolberg = await log_in_editor(web_app, "stolberg")
    assert (await stolberg.get("/t/aachen/editor/needs.json")).status_code == 403
    anonymous = await web_app.new_client().get("/t/aachen/org/needs.csv")
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]


async def test_public_feed_shows_published_needs_only_without_personal_data(
    web_app: Web,
) -> None:
    tafel, once, weekly = await _two_needs(web_app)
    pending = await post_need(web_app, tafel, title="Noch in Prüfung")
    hidden = await post_need(web_app, tafel, title="Ausgeblendet")
    cancelled = await post_need(web_app, tafel, title="Abgesagt")
    past = await post_need(web_app, tafel, title="Vorbei")
    now = web_app.clock.now()
    for need_id in (hidden, cancelled, past):
        await _approve(web_app, need_id)
    await moderation.set_hidden(
        web_app.app.db, web_app.app.tenant_ids["aachen"], "need", hidden, True,
        actor="test", now=now,
    )  # fmt: skip
    await cancel_need(web_app.app.db, cancelled, actor="test", now=now)
    async with web_app.app.db.transaction() as session:
        await session.execute(
            update(Need)
            .where(Need.id == past)
            .values(starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1, hours=22))
        )

    response = await web_app.new_client().get("/t/aachen/needs.json")

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert "set-cookie" not in response.headers
    feed = response.json()
    ids = [r["id"] for r in feed["needs"]]
    assert once in ids and weekly in ids
    for gone in (pending, hidden, cancelled, past):
        assert gone not in ids
    for record in feed["needs"]:
        assert tuple(record) == FEED_FIELDS
    mine = next(r for r in feed["needs"] if r["id"] == weekly)
    assert mine["organisation"] == "Aachener Tafel"
    assert mine["recurrence"] == {"weekdays": ["di", "do"], "from": "15:00", "to": "17:00"}
    assert mine["url"] == f"http://testserver/t/aachen/needs/{weekly}"
    assert mine["place"] and mine["category"] == "bildung"
    one = next(r for r in feed["needs"] if r["id"] == once)
    assert one["starts_at"].endswith("+01:00") and one["recurrence"] is None
    text = response.text
    for personal in ("tafel@example.org", "Petra", "Lebensmittel ausgeben"):
        assert personal not in text  # no contact, no description
    assert (await web_app.new_client().get("/t/nirgendwo/needs.json")).status_code == 404
