"""Web forms → service inputs, with errors by field (the raw input is kept
by the caller and rendered back). Error values are text keys under
``error.`` in ``data/texts/web``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData

from core.availability import DAYS
from core.errors import DomainError, InvalidTimeRange, TooManyNeeds
from core.schedule import MAX_ONE_OFF, Weekly, day_mask, local_range
from core.services.needs import MAX_HELPERS, NeedInput
from core.services.organisations import OfferInput
from core.taxonomy import Taxonomy

NEED_FIELDS = (
    "title",
    "description",
    "category",
    "where",
    "place",
    "schedule",
    "date",
    "start",
    "end",
    "weekly_start",
    "weekly_end",
    "valid_until",
    "helpers",
    "urgent",
)
NEED_LISTS = ("qualifications", "days")


@dataclass(slots=True)
class FormState:
    """What the person typed (kept on errors) and what to fix, by field."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def has(self, name: str, value: str) -> bool:
        return value in self.lists.get(name, [])


def form_state(
    form: FormData | Mapping[str, str], names: tuple[str, ...], lists: tuple[str, ...] = ()
) -> FormState:
    values = {n: str(form.get(n) or "").strip() for n in names}
    multi = (
        {n: [str(v) for v in form.getlist(n)] for n in lists}
        if isinstance(form, FormData)
        else {n: [] for n in lists}
    )
    return FormState(values, multi)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _time(value: str) -> time | None:
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


def parse_need(
    state: FormState, taxonomy: Taxonomy, tz: ZoneInfo, now: datetime
) -> NeedInput | None:
    """The need the form describes, or None with ``state.errors`` filled."""
    v, errors = state.values, state.errors
    title = v["title"]
    if not title:
        errors["title"] = "required"
    elif len(title) > 120:
        errors["title"] = "too_long"
    if len(v["description"]) > 4000:
        errors["description"] = "too_long"
    if not taxonomy.is_category(v["category"]):
        errors["category"] = "choose"
    quals = tuple(q for q in state.lists.get("qualifications", []) if q)
    if any(not taxonomy.is_qualification(q) for q in quals):
        errors["qualifications"] = "choose"
    remote = v["where"] == "remote"
    if not remote and not v["place"]:
        errors["place"] = "place_required"
    helpers = 1
    try:
        helpers = int(v["helpers"] or "1")
        if not 1 <= helpers <= MAX_HELPERS:
            errors["helpers"] = "helpers_range"
    except ValueError:
        errors["helpers"] = "number"
    starts = ends = valid_until = None
    weekly = None
    if v["valid_until"]:
        day = _date(v["valid_until"])
        if day is None:
            errors["valid_until"] = "date"
        else:
            valid_until = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
            if valid_until <= now:
                errors["valid_until"] = "past"
    if v["schedule"] == "weekly":
        days = tuple(d for d in DAYS if d in state.lists.get("days", []))
        start, end = _time(v["weekly_start"]), _time(v["weekly_end"])
        if not days:
            errors["days"] = "choose_days"
        if start is None:
            errors["weekly_start"] = "time"
        if end is None:
            errors["weekly_end"] = "time"
        elif start is not None and end <= start:
            errors["weekly_end"] = "time_order"
        if days and start and end and end > start:
            weekly = Weekly(days, start, end)
    else:
        day, start, end = _date(v["date"]), _time(v["start"]), _time(v["end"])
        if day is None:
            errors["date"] = "date"
        if start is None:
            errors["start"] = "time"
        if end is None:
            errors["end"] = "time"
        if start and end and end <= start:
            # The form has one date: an end before the start is a typing error
            # (the chat understands overnight shifts; the form keeps it simple).
            errors["end"] = "time_order"
        elif day and start and end:
            starts, ends = local_range(day, start, end, tz)
            if ends <= now:
                errors["date"] = "past"
            elif ends - starts > MAX_ONE_OFF:
                errors["end"] = "too_long"
    if errors:
        return None
    return NeedInput(
        title=title,
        category=v["category"],
        description=v["description"],
        qualifications=quals,
        place=None if remote else v["place"],
        remote=remote,
        starts_at=starts,
        ends_at=ends,
        weekly=weekly,
        valid_until=valid_until,
        helpers_wanted=helpers,
        urgent=v["urgent"] == "on",
    )


def domain_error_field(exc: DomainError) -> tuple[str, str]:
    """A service's named error as (field, error key) for the form."""
    if isinstance(exc, InvalidTimeRange):
        return ("date", "past" if exc.params.get("reason") == "past" else "time_order")
    if isinstance(exc, TooManyNeeds):
        return ("form", "too_many_needs")
    name = str(exc.params.get("field") or "form")
    return (name, "invalid")


def need_state_from(need_values: Mapping[str, object], tz: ZoneInfo) -> FormState:
    """The edit form filled from a stored need (plain values)."""
    starts = need_values.get("starts_at")
    ends = need_values.get("ends_at")
    recurrence = need_values.get("recurrence") or {}
    valid_until = need_values.get("valid_until")
    values = {
        "title": str(need_values["title"]),
        "description": str(need_values["description"] or ""),
        "category": str(need_values["category"]),
        "where": "remote" if need_values["remote"] else "place",
        "place": str(need_values.get("place_label") or ""),
        "schedule": "weekly" if recurrence else "once",
        "date": starts.astimezone(tz).date().isoformat() if isinstance(starts, datetime) else "",
        "start": starts.astimezone(tz).strftime("%H:%M") if isinstance(starts, datetime) else "",
        "end": ends.astimezone(tz).strftime("%H:%M") if isinstance(ends, datetime) else "",
        "weekly_start": str(recurrence.get("from", "")) if isinstance(recurrence, dict) else "",
        "weekly_end": str(recurrence.get("to", "")) if isinstance(recurrence, dict) else "",
        "valid_until": (
            (valid_until.astimezone(tz) - timedelta(days=1)).date().isoformat()
            if isinstance(valid_until, datetime)
            else ""
        ),
        "helpers": str(need_values["helpers_wanted"]),
        "urgent": "on" if need_values["urgent"] else "",
    }
    lists = {
        "qualifications": [str(q) for q in need_values.get("qualifications") or []],  # type: ignore[attr-defined]
        "days": [str(d) for d in recurrence.get("days", [])]
        if isinstance(recurrence, dict)
        else [],
    }
    return FormState(values, lists)


OFFER_FIELDS = (
    "title",
    "description",
    "kind",
    "category",
    "place",
    "available_from",
    "available_until",
)


OFFER_LISTS = ("days",)
RESOURCE_CHOICE = "resource:"  # the kind select's value of one resource ("resource:van")


def offer_kind_value(kind: str, resource: str | None) -> str:
    """The kind select's value of a stored offer ("resource:van")."""
    return f"{RESOURCE_CHOICE}{resource}" if kind == "resource" and resource else kind


def offer_day_list(cell_mask: int) -> list[str]:
    """The days ticked for a stored offer's cells."""
    return [d for d in DAYS if cell_mask & day_mask((d,))]


def parse_offer(state: FormState, tz: ZoneInfo, now: datetime | None = None) -> OfferInput:
    """The offer the form describes; ``state.errors`` says what to fix.
    The kind select holds "time", "skill", "resource" or "resource:<kind>";
    no day ticked is any day ("nach Absprache")."""
    v = state.values
    start = _date(v["available_from"]) if v["available_from"] else None
    end = _date(v["available_until"]) if v["available_until"] else None
    if v["available_from"] and start is None:
        state.errors["available_from"] = "date"
    if v["available_until"] and end is None:
        state.errors["available_until"] = "date"
    elif end is not None and now is not None and end < now.astimezone(tz).date():
        state.errors["available_until"] = "past"
    kind, resource = v["kind"], None
    if kind.startswith(RESOURCE_CHOICE):
        kind, resource = "resource", kind.removeprefix(RESOURCE_CHOICE)
    ticked = state.lists.get("days", [])
    if any(d not in DAYS for d in ticked):
        state.errors["days"] = "choose_days"
    return OfferInput(
        title=v["title"],
        description=v["description"],
        kind=kind,
        category=v["category"] or None,
        place=v["place"] or None,
        available_from=datetime.combine(start, time(0), tz).astimezone(UTC) if start else None,
        available_until=(
            datetime.combine(end + timedelta(days=1), time(0), tz).astimezone(UTC) if end else None
        ),
        resource=resource,
        cell_mask=day_mask(d for d in DAYS if d in ticked),
    )
