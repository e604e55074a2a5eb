"""Needs in and out (issue 14.8): export as CSV and JSON (same fields),
import from CSV with a dry run, and the public JSON feed of a tenant's
published needs for the municipality's own website.

Plain values in and out. Import goes through ``core.services.needs.post_need``,
so imported needs meet the same validation, daily limit and moderation as
needs posted on the web (pending review where the tenant moderates).

Import is two passes over the same file: a dry run checks every row and
writes nothing; the real import checks again and writes only the valid
rows, reporting the others by line with what is wrong."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import false, func, or_, select

from core.availability import DAYS
from core.clock import as_utc
from core.db import Database
from core.errors import (
    DomainError,
    InvalidTimeRange,
    InvalidValue,
    OrganisationSuspended,
    PlaceRequired,
    TooManyNeeds,
    UnknownCategory,
    UnknownPlace,
    UnknownQualification,
)
from core.models import Need, NeedStatus, Organisation
from core.schedule import Weekly, last_moment
from core.services.needs import (
    MAX_NEEDS_PER_DAY,
    NeedInput,
    PlaceResolver,
    post_need,
    validate_need,
)
from core.taxonomy import Taxonomy

# The fields of an exported need, in this order, in CSV and JSON alike.
FIELDS: tuple[str, ...] = (
    "id",
    "title",
    "description",
    "category",
    "qualifications",
    "organisation",
    "place",
    "lat",
    "lon",
    "remote",
    "starts_at",
    "ends_at",
    "weekdays",
    "time_from",
    "time_to",
    "valid_until",
    "helpers_wanted",
    "urgent",
    "status",
)
# Read on import; ``id`` and ``status`` are the exporting system's and ignored.
IMPORTED: tuple[str, ...] = tuple(f for f in FIELDS if f not in ("id", "status"))
REQUIRED_COLUMNS: tuple[str, ...] = ("title", "category", "organisation")
MAX_BYTES = 60_000  # one upload, under the web's request limit with the form around it
MAX_ROWS = 300

# The fields of one record of the public feed (``/t/<slug>/needs.json``).
FEED_FIELDS: tuple[str, ...] = (
    "id",
    "title",
    "organisation",
    "category",
    "category_label",
    "place",
    "remote",
    "starts_at",
    "ends_at",
    "recurrence",
    "valid_until",
    "urgent",
    "url",
)
FEED_LIMIT = 500

_TRUE = {"1", "true", "ja", "yes", "x", "wahr", "j", "y"}
_FALSE = {"", "0", "false", "nein", "no", "falsch", "n"}


# -- export -------------------------------------------------------------------


def _local_iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="minutes") if value else None


def _last_day(valid_until: datetime | None, tz: ZoneInfo) -> str | None:
    """A series' end as its last day (``2027-01-31``): stored is the midnight
    after it, which as a time would read as the day after (or, in UTC, as
    23:00 the day before); the import reads the date back as that midnight."""
    if valid_until is None:
        return None
    return last_moment(as_utc(valid_until)).astimezone(tz).date().isoformat()


async def export_needs(
    db: Database, tenant_id: int, tz: ZoneInfo, *, organisation_id: int | None = None
) -> list[dict[str, Any]]:
    """Every need of the tenant, or of one organisation of it, as records
    with ``FIELDS`` (JSON-typed values; times local with offset)."""
    q = (
        select(Need, Organisation.name)
        .join(Organisation, Organisation.id == Need.organisation_id)
        .where(Need.tenant_id == tenant_id)
        .order_by(Need.id)
    )
    if organisation_id is not None:
        q = q.where(Need.organisation_id == organisation_id)
    async with db.sessions() as session:
        rows = (await session.execute(q)).all()
    records = []
    for need, org_name in rows:
        weekly = need.recurrence or {}
        records.append(
            {
                "id": need.id,
                "title": need.title,
                "description": need.description or "",
                "category": need.category,
                "qualifications": list(need.qualifications or ()),
                "organisation": org_name,
                "place": need.place_label or "",
                "lat": need.lat,
                "lon": need.lon,
                "remote": bool(need.remote),
                "starts_at": _local_iso(need.starts_at, tz),
                "ends_at": _local_iso(need.ends_at, tz),
                "weekdays": list(weekly.get("days") or ()),
                "time_from": weekly.get("from"),
                "time_to": weekly.get("to"),
                "valid_until": _last_day(need.valid_until, tz),
                "helpers_wanted": need.helpers_wanted,
                "urgent": bool(need.urgent),
                "status": need.status.value,
            }
        )
    return records


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def to_csv(records: Sequence[Mapping[str, Any]]) -> str:
    """Records as CSV (comma, UTF-8, header row ``FIELDS``); lists are
    space-separated, booleans ``ja``/``nein``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for record in records:
        writer.writerow([_sanitised(_csv_value(record.get(f))) for f in FIELDS])
    return out.getvalue()


def _sanitised(text: str) -> str:
    """A cell a spreadsheet would run as a formula starts with a quote."""
    return "'" + text if text[:1] in ("=", "+", "@") or text.startswith("-=") else text


def to_json(records: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps(
        {"fields": list(FIELDS), "needs": list(records)}, ensure_ascii=False, indent=1
    )


# -- import -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    field: str  # a column name, or "" for the row as a whole
    code: str  # e.g. "required", "unknown_category" (web texts: exchange.error.<code>)
    value: str = ""


@dataclass(frozen=True, slots=True)
class RowResult:
    line: int  # in the file, the header being line 1
    title: str
    organisation: str
    errors: tuple[RowError, ...] = ()
    need_id: int | None = None  # written (real import only)
    status: str | None = None  # published | pending_review, once written
    # Not imported though without errors: "duplicate" (the tenant has this
    # need: same organisation, title and time; or an earlier row of the file)
    # or "closed" (exported as cancelled, filled, expired or rejected).
    skipped: str | None = None
    duplicate_of: int | None = None  # the existing need a duplicate matches

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class ImportReport:
    dry_run: bool
    rows: tuple[RowResult, ...] = ()
    file_errors: tuple[RowError, ...] = ()  # the file as a whole: nothing read
    ignored_columns: tuple[str, ...] = ()

    @property
    def valid(self) -> int:
        """Rows that are (or would be) written."""
        return sum(1 for r in self.rows if r.ok and r.skipped is None)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.skipped is not None)

    @property
    def invalid(self) -> int:
        return sum(1 for r in self.rows if not r.ok)

    @property
    def written(self) -> int:
        return sum(1 for r in self.rows if r.need_id is not None)


@dataclass(slots=True)
class _Parsed:
    line: int
    raw: dict[str, str]
    errors: list[RowError] = field(default_factory=list)
    data: NeedInput | None = None
    organisation_id: int | None = None


def _decode(raw: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


class _Unreadable(Exception):
    """The file as a whole cannot be read: nothing of it is."""

    def __init__(self, *errors: RowError) -> None:
        super().__init__(", ".join(e.code for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class _Row:
    line: int  # where the row starts in the file (the header is line 1)
    cells: dict[str, str]  # column -> stripped text
    extra: bool  # more non-empty cells than the header has columns


def read_rows(raw: bytes) -> tuple[list[_Row], list[str]]:
    """The rows of a CSV file (comma, semicolon or tab; UTF-8 or
    Windows-1252, as spreadsheets save it) and the columns not read;
    ``_Unreadable`` when the file cannot be taken at all."""
    if len(raw) > MAX_BYTES:
        raise _Unreadable(RowError("", "too_large", str(MAX_BYTES)))
    text = _decode(raw)
    if text is None or "\x00" in text:
        raise _Unreadable(RowError("", "not_csv"))
    if not text.strip():
        raise _Unreadable(RowError("", "empty"))
    first = text.splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise _Unreadable(*(RowError(c, "missing_column") for c in missing))
        rows: list[_Row] = []
        line = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(rows) >= MAX_ROWS:
                    raise _Unreadable(RowError("", "too_many_rows", str(MAX_ROWS)))
                rows.append(
                    _Row(
                        line,
                        {h: (cells[i].strip() if i < len(cells) else "")
                         for i, h in enumerate(header)},
                        any(c.strip() for c in cells[len(header):]),
                    )
                )  # fmt: skip
            line = reader.line_num + 1
    except csv.Error as exc:
        raise _Unreadable(RowError("", "not_csv")) from exc
    return rows, [h for h in header if h and h not in FIELDS]


_GERMAN_DT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ ,T]+(\d{1,2}):(\d{2}))?$")


def _datetime(text: str, tz: ZoneInfo, *, end_of_day: bool = False) -> datetime:
    """ISO 8601 (with or without offset) or ``TT.MM.JJJJ HH:MM``, local to ``tz``."""
    found = _GERMAN_DT.match(text)
    if found:
        d, m, y, hh, mm = found.groups()
        value = datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0))
        if hh is None and end_of_day:
            value = datetime.combine(value.date() + timedelta(days=1), time(0))
    else:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            # "bis 31.1." ends at the midnight after it, as the chat and the form store it
            value = datetime.combine(day + timedelta(days=1) if end_of_day else day, time(0))
        else:
            value = datetime.fromisoformat(text.replace(" ", "T", 1))
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _bool(raw: dict[str, str], name: str, errors: list[RowError]) -> bool:
    value = raw.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value not in _FALSE:
        errors.append(RowError(name, "boolean", raw.get(name, "")))
    return False


def _parse(row: _Row, taxonomy: Taxonomy, tz: ZoneInfo, now: datetime) -> _Parsed:
    """Every problem of one row that its cells show on their own."""
    raw = row.cells
    p = _Parsed(row.line, raw)
    errors = p.errors
    if row.extra:
        errors.append(RowError("", "extra_cells"))
    title = raw.get("title", "")
    if not title:
        errors.append(RowError("title", "required"))
    elif len(title) > 120:
        errors.append(RowError("title", "too_long", title[:40]))
    category = raw.get("category", "").lower()
    if not category:
        errors.append(RowError("category", "required"))
    elif not taxonomy.is_category(category):
        errors.append(RowError("category", "unknown_category", category))
    qualifications = tuple(q for q in re.split(r"[\s,]+", raw.get("qualifications", "")) if q)
    for code in qualifications:
        if not taxonomy.is_qualification(code):
            errors.append(RowError("qualifications", "unknown_qualification", code))
    if not raw.get("organisation"):
        errors.append(RowError("organisation", "required"))
    remote = _bool(raw, "remote", errors)
    urgent = _bool(raw, "urgent", errors)
    lat = lon = None
    if raw.get("lat") or raw.get("lon"):
        try:
            lat, lon = (
                float(raw.get("lat", "").replace(",", ".")),
                float(raw.get("lon", "").replace(",", ".")),
            )
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
        except ValueError:
            errors.append(RowError("lat", "coordinates", f"{raw.get('lat')} {raw.get('lon')}"))
            lat = lon = None
    place = raw.get("place") or None
    if not remote and place is None and lat is None:
        errors.append(RowError("place", "place_required"))
    helpers = 1
    if raw.get("helpers_wanted"):
        try:
            helpers = int(raw["helpers_wanted"])
        except ValueError:
            errors.append(RowError("helpers_wanted", "number", raw["helpers_wanted"]))
    if not 1 <= helpers <= 500:
        errors.append(RowError("helpers_wanted", "helpers_range", str(helpers)))
    starts_at = ends_at = valid_until = None
    weekly = None
    days_text = raw.get("weekdays", "")
    if days_text:
        days = tuple(d.lower()[:2] for d in re.split(r"[\s,]+", days_text) if d)
        if not days or any(d not in DAYS for d in days):
            errors.append(RowError("weekdays", "days", days_text))
        times = []
        for name in ("time_from", "time_to"):
            try:
                times.append(time.fromisoformat(raw.get(name, "")))
            except ValueError:
                errors.append(RowError(name, "time", raw.get(name, "")))
        if len(times) == 2 and not any(e.field == "weekdays" for e in errors):
            if times[1] <= times[0]:
                errors.append(RowError("time_to", "time_order"))
            else:
                weekly = Weekly(tuple(sorted(set(days), key=DAYS.index)), times[0], times[1])
    else:
        for name in ("starts_at", "ends_at"):
            if not raw.get(name):
                errors.append(RowError(name, "required"))
                continue
            try:
                value = _datetime(raw[name], tz)
            except ValueError:
                errors.append(RowError(name, "datetime", raw[name]))
                continue
            if name == "starts_at":
                starts_at = value
            else:
                ends_at = value
        if starts_at and ends_at and ends_at <= starts_at:
            errors.append(RowError("ends_at", "time_order"))
        elif ends_at and ends_at <= now:
            errors.append(RowError("ends_at", "past", raw.get("ends_at", "")))
    if raw.get("valid_until"):
        try:
            valid_until = _datetime(raw["valid_until"], tz, end_of_day=True)
            if valid_until <= now:
                errors.append(RowError("valid_until", "past", raw["valid_until"]))
        except ValueError:
            errors.append(RowError("valid_until", "date", raw["valid_until"]))
    if errors:
        return p
    p.data = NeedInput(
        title=title,
        category=category,
        description=raw.get("description", ""),
        qualifications=qualifications,
        place=place if lat is None else None,
        lat=lat,
        lon=lon,
        place_label=place if lat is not None else None,
        remote=remote,
        starts_at=starts_at,
        ends_at=ends_at,
        weekly=weekly,
        valid_until=valid_until,
        helpers_wanted=helpers,
        urgent=urgent,
    )
    try:  # what the web's form would refuse too (the same rules)
        validate_need(p.data, taxonomy, now)
    except DomainError as exc:
        errors.append(_error_of(exc))
        p.data = None
    return p


def _error_of(exc: DomainError) -> RowError:
    if isinstance(exc, UnknownPlace):
        return RowError("place", "unknown_place", exc.name)
    if isinstance(exc, PlaceRequired):
        return RowError("place", "place_required")
    if isinstance(exc, UnknownCategory):
        return RowError("category", "unknown_category", str(exc.params.get("code", "")))
    if isinstance(exc, UnknownQualification):
        return RowError("qualifications", "unknown_qualification", str(exc.params.get("code", "")))
    if isinstance(exc, InvalidTimeRange):
        reason = str(exc.params.get("reason", ""))
        code = {"order": "time_order", "past": "past", "too_long": "too_long_range"}.get(
            reason, "datetime"
        )
        return RowError("ends_at", code)
    if isinstance(exc, TooManyNeeds):
        return RowError("organisation", "too_many_needs", str(MAX_NEEDS_PER_DAY))
    if isinstance(exc, OrganisationSuspended):
        return RowError("organisation", "organisation_suspended")
    if isinstance(exc, InvalidValue):
        name = str(exc.params.get("field", ""))
        return RowError(name, "helpers_range" if name == "helpers_wanted" else "invalid")
    return RowError("", "invalid")


# An exported row in one of these states is history, not a need to post again.
CLOSED_STATUSES = frozenset(
    {NeedStatus.CANCELLED.value, NeedStatus.FILLED.value, NeedStatus.EXPIRED.value,
     NeedStatus.REJECTED.value}
)  # fmt: skip


def _identity(
    organisation_id: int, title: str, starts_at: datetime | None, recurrence: Any
) -> tuple[Any, ...]:
    """What makes two needs the same for an import: organisation, title (any
    case and spacing) and time (the start, or the weekly days and hours)."""
    when = starts_at.astimezone(UTC).replace(second=0, microsecond=0) if starts_at else None
    weekly = tuple(sorted((recurrence or {}).items())) if recurrence else None
    weekly = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in weekly or ())
    return (organisation_id, " ".join(title.split()).casefold(), when, weekly or None)


async def import_needs_csv(
    db: Database,
    tenant_id: int,
    tenant_slug: str,
    raw: bytes,
    *,
    taxonomy: Taxonomy,
    places: PlaceResolver,
    now: datetime,
    tz: ZoneInfo,
    actor: str,
    dry_run: bool,
) -> ImportReport:
    """Check every row of a CSV file of needs (``IMPORTED`` columns, see
    ``docs/web.md``); with ``dry_run`` write nothing, else post each valid
    row as the web form would (moderation applies) and skip the others.
    Each row's organisation is named and must be one of this tenant's."""
    try:
        rows, ignored = read_rows(raw)
    except _Unreadable as exc:
        return ImportReport(dry_run, file_errors=exc.errors)
    async with db.sessions() as session:
        orgs = (
            await session.execute(
                select(Organisation.id, Organisation.name, Organisation.suspended_at).where(
                    Organisation.tenant_id == tenant_id
                )
            )
        ).all()
        recent = dict(
            (
                await session.execute(
                    select(Need.organisation_id, func.count())
                    .where(Need.tenant_id == tenant_id, Need.created_at > now - timedelta(days=1))
                    .group_by(Need.organisation_id)
                )
            ).all()
        )
        existing = {
            _identity(org_id, title, starts_at, recurrence): need_id
            for need_id, org_id, title, starts_at, recurrence in (
                await session.execute(
                    select(
                        Need.id, Need.organisation_id, Need.title, Need.starts_at, Need.recurrence
                    ).where(Need.tenant_id == tenant_id)
                )
            ).all()
        }
    seen: set[tuple[Any, ...]] = set()
    by_name: dict[str, list[tuple[int, bool]]] = {}
    for org_id, name, suspended in orgs:
        by_name.setdefault(name.strip().casefold(), []).append((org_id, suspended is not None))
    planned: Counter[int] = Counter()
    results: list[RowResult] = []
    for row in rows:
        line, raw_row = row.line, row.cells
        p = _parse(row, taxonomy, tz, now)
        name = raw_row.get("organisation", "")
        if name:
            found = by_name.get(name.strip().casefold(), [])
            if not found:
                p.errors.append(RowError("organisation", "unknown_organisation", name))
            elif len(found) > 1:
                p.errors.append(RowError("organisation", "ambiguous_organisation", name))
            elif found[0][1]:
                p.errors.append(RowError("organisation", "organisation_suspended", name))
            else:
                p.organisation_id = found[0][0]
        if p.data is not None and p.data.place and p.data.lat is None and not p.data.remote:
            try:
                lat, lon, label = places.resolve(p.data.place, tenant_slug)
            except UnknownPlace as exc:
                p.errors.append(_error_of(exc))
            else:
                p.data = replace(
                    p.data, place=None, lat=lat, lon=lon, place_label=label or p.data.place
                )
        if p.organisation_id is not None and not p.errors:
            already = recent.get(p.organisation_id, 0) + planned[p.organisation_id]
            if already >= MAX_NEEDS_PER_DAY:
                p.errors.append(RowError("organisation", "too_many_needs", str(MAX_NEEDS_PER_DAY)))
            else:
                planned[p.organisation_id] += 1
        title, org = raw_row.get("title", ""), name
        if p.errors or p.data is None or p.organisation_id is None:
            results.append(RowResult(line, title, org, tuple(p.errors)))
            continue
        # Re-importing an export must not double anything (docs/web.md).
        if raw_row.get("status", "").strip().casefold() in CLOSED_STATUSES:
            planned[p.organisation_id] -= 1
            results.append(RowResult(line, title, org, skipped="closed"))
            continue
        key = _identity(
            p.organisation_id,
            p.data.title,
            p.data.starts_at,
            p.data.weekly.to_dict() if p.data.weekly else None,
        )
        if key in existing or key in seen:
            planned[p.organisation_id] -= 1
            results.append(
                RowResult(line, title, org, skipped="duplicate", duplicate_of=existing.get(key))
            )
            continue
        seen.add(key)
        if dry_run:
            results.append(RowResult(line, title, org))
            continue
        try:
            ref = await post_need(
                db,
                organisation_id=p.organisation_id,
                data=p.data,
                taxonomy=taxonomy,
                places=places,
                now=now,
                tz=tz,
                actor=actor,
            )
        except DomainError as exc:
            results.append(RowResult(line, title, org, (_error_of(exc),)))
            continue
        results.append(RowResult(line, title, org, need_id=ref.id, status=ref.status.value))
    return ImportReport(dry_run, tuple(results), ignored_columns=tuple(ignored))


# -- the public feed ------------------------------------------------------------


async def published_feed(
    db: Database,
    tenant_id: int,
    *,
    now: datetime,
    tz: ZoneInfo,
    base_url: str,
    tenant_slug: str,
    taxonomy: Taxonomy,
    language: str,
    limit: int = FEED_LIMIT,
) -> list[dict[str, Any]]:
    """One record (``FEED_FIELDS``) per published need of the tenant that
    is public now: not in review, hidden, filled, cancelled or over, and of
    an organisation that is not suspended. No personal data: no contact,
    no sign-ups, no description."""
    q = (
        select(Need, Organisation.name)
        .join(Organisation, Organisation.id == Need.organisation_id)
        .where(
            Need.tenant_id == tenant_id,
            Need.status == NeedStatus.PUBLISHED,
            Need.published_at.is_not(None),
            Need.hidden == false(),
            Organisation.suspended_at.is_(None),
            or_(Need.ends_at.is_(None), Need.ends_at > now),
            or_(Need.valid_until.is_(None), Need.valid_until > now),
        )
        .order_by(Need.starts_at.is_(None), Need.starts_at, Need.id)
        .limit(limit)
    )
    async with db.sessions() as session:
        rows = (await session.execute(q)).all()
    return [
        {
            "id": need.id,
            "title": need.title,
            "organisation": org_name,
            "category": need.category,
            "category_label": taxonomy.label(need.category, language),
            "place": None if need.remote else (need.place_label or None),
            "remote": bool(need.remote),
            "starts_at": _local_iso(need.starts_at, tz),
            "ends_at": _local_iso(need.ends_at, tz),
            "recurrence": (
                {
                    "weekdays": list(need.recurrence.get("days") or ()),
                    "from": need.recurrence.get("from"),
                    "to": need.recurrence.get("to"),
                }
                if need.recurrence
                else None
            ),
            "valid_until": _last_day(need.valid_until, tz),
            "urgent": bool(need.urgent),
            "url": f"{base_url}/t/{tenant_slug}/needs/{need.id}",
        }
        for need, org_name in rows
    ]
