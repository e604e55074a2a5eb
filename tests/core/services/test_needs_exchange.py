"""The needs import as a service: files as spreadsheets save them (semicolon,
Windows-1252, German dates), weekly rows, the daily limit counted in the dry
run already, and an unreadable file reported as a whole."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bots.bootstrap import bootstrap
from core.clock import FixedClock
from core.db import Database
from core.models import Need, Organisation, OrgKind
from core.services.needs import MAX_NEEDS_PER_DAY
from core.services.needs_exchange import ImportReport, import_needs_csv
from core.settings import Settings

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


async def _run(db: Database, tmp_path: Path, raw: bytes, *, dry_run: bool) -> ImportReport:
    app = await bootstrap(Settings.from_env(data_dir=tmp_path), db=db, clock=FixedClock(NOW))
    async with db.transaction() as session:
        if not await session.scalar(select(Organisation.id).where(Organisation.name == "Tafel")):
            session.add(Organisation(tenant_id=app.tenant_ids["aachen"], name="Tafel",
                                     kind=OrgKind.VEREIN, created_at=NOW))  # fmt: skip
    return await import_needs_csv(
        db, app.tenant_ids["aachen"], "aachen", raw, taxonomy=app.taxonomy, places=app.places,
        now=NOW, tz=BERLIN, actor="test", dry_run=dry_run,
    )  # fmt: skip


async def _needs(db: Database) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Need)) or 0)


async def test_a_german_spreadsheet_file_with_a_weekly_row(db: Database, tmp_path: Path) -> None:
    text = (
        "Title;Category;Organisation;Place;starts_at;ends_at;weekdays;time_from;time_to;urgent\n"
        "Ausgabe Lebensmittel;soziales;tafel;Burtscheid;05.12.2026 10:00;05.12.2026 14:00;;;;Ja\n"
        "Hausaufgabenhilfe für Grundschüler;bildung;Tafel;Burtscheid;;;Di, Do;15:00;17:00;nein\n"
    )
    report = await _run(db, tmp_path, text.encode("cp1252"), dry_run=True)
    assert report.file_errors == () and [r.errors for r in report.rows] == [(), ()]
    assert [r.line for r in report.rows] == [2, 3]
    assert await _needs(db) == 0
    written = await _run(db, tmp_path, text.encode("cp1252"), dry_run=False)
    assert written.written == 2 and await _needs(db) == 2
    async with db.sessions() as session:
        weekly = await session.scalar(select(Need).where(Need.title.like("Hausaufgaben%")))
        urgent = await session.scalar(select(Need).where(Need.title == "Ausgabe Lebensmittel"))
    assert weekly is not None and weekly.recurrence == {"days": ["di", "do"], "from": "15:00",
                                                        "to": "17:00"}  # fmt: skip
    assert urgent is not None and urgent.urgent
    assert urgent.starts_at == datetime(2026, 12, 5, 9, tzinfo=UTC)  # 10:00 in Berlin


async def test_the_daily_limit_shows_in_the_dry_run(db: Database, tmp_path: Path) -> None:
    rows = [
        f"Gesuch {i},soziales,Tafel,Burtscheid,2026-12-05T10:00,2026-12-05T12:00"
        for i in range(MAX_NEEDS_PER_DAY + 1)
    ]
    raw = ("title,category,organisation,place,starts_at,ends_at\n" + "\n".join(rows)).encode()
    report = await _run(db, tmp_path, raw, dry_run=True)
    assert report.valid == MAX_NEEDS_PER_DAY
    (last,) = [r for r in report.rows if not r.ok]
    assert last.line == MAX_NEEDS_PER_DAY + 2
    assert [e.code for e in last.errors] == ["too_many_needs"]


async def test_unreadable_files_are_reported_as_a_whole(db: Database, tmp_path: Path) -> None:
    missing = await _run(db, tmp_path, b"titel,bereich\nA,B\n", dry_run=False)
    assert [e.field for e in missing.file_errors] == ["title", "category", "organisation"]
    assert missing.rows == () and await _needs(db) == 0
    too_big = await _run(
        db, tmp_path, b"title,category,organisation\n" + b"x" * 70_000, dry_run=True
    )
    assert [e.code for e in too_big.file_errors] == ["too_large"]
    extra = await _run(
        db, tmp_path,
        b"title,category,organisation,place,starts_at,ends_at\n"
        b"A,soziales,Tafel,Burtscheid,2026-12-05T10:00,2026-12-05T12:00,surplus\n",
        dry_run=True,
    )  # fmt: skip
    assert [e.code for r in extra.rows for e in r.errors] == ["extra_cells"]
