"""The Ehrenamtsnachweis: a PDF certificate of a volunteer's confirmed hours,
in German, in the municipality's colours, with a verification code that the
web app's page ``/t/<slug>/nachweis/<code>`` checks (issue 14.5).

What a certificate states is stored with its code (``HoursCertificate``), so
the page shows exactly that and nothing more. The PDF is drawn off the event
loop (``asyncio.to_thread``): fpdf2 is plain, blocking Python.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from sqlalchemy import select

from core.db import Database
from core.errors import DomainError, InvalidValue
from core.models import HoursCertificate, Person
from core.services.audit import record
from core.services.hours import hours_summary
from core.single_line import is_single_line

# No 0/O, 1/I/L: codes are read off paper and typed.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_NAME = 120


class NothingToCertify(DomainError):
    key = "certificate.nothing"


@dataclass(frozen=True, slots=True)
class CertificateBranding:
    tenant_name: str
    bot_name: str
    primary_color: str = "#00609c"
    secondary_color: str = "#f2f6f9"


@dataclass(frozen=True, slots=True)
class CertificateLine:
    organisation: str
    activity: str
    first_day: date
    last_day: date
    dates: int
    hours: float


@dataclass(frozen=True, slots=True)
class CertificateContent:
    code: str
    holder: str
    tenant: str
    issued: date
    lines: tuple[CertificateLine, ...]
    total: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "tenant": self.tenant,
            "issued": self.issued.isoformat(),
            "total": self.total,
            "lines": [
                {
                    "organisation": x.organisation,
                    "activity": x.activity,
                    "from": x.first_day.isoformat(),
                    "to": x.last_day.isoformat(),
                    "dates": x.dates,
                    "hours": x.hours,
                }
                for x in self.lines
            ],
        }

    @classmethod
    def from_dict(cls, code: str, raw: dict[str, Any]) -> CertificateContent:
        return cls(
            code=code,
            holder=str(raw["holder"]),
            tenant=str(raw["tenant"]),
            issued=date.fromisoformat(raw["issued"]),
            total=float(raw["total"]),
            lines=tuple(
                CertificateLine(
                    organisation=str(x["organisation"]),
                    activity=str(x["activity"]),
                    first_day=date.fromisoformat(x["from"]),
                    last_day=date.fromisoformat(x["to"]),
                    dates=int(x["dates"]),
                    hours=float(x["hours"]),
                )
                for x in raw["lines"]
            ),
        )


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    content: CertificateContent
    pdf: bytes
    reused: bool  # nothing changed since the last one: the same code again


def clean_name(raw: str) -> str:
    """A name for the certificate as typed; ``InvalidValue`` when it is none."""
    name = " ".join(raw.split())
    if (
        not name
        or len(name) > MAX_NAME
        or not is_single_line(name)
        or not any(c.isalpha() for c in name)
    ):
        raise InvalidValue(field="name")
    return name


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"EA-{raw[:5]}-{raw[5:]}"


def normalise_code(code: str) -> str:
    raw = "".join(c for c in code.upper() if c.isalnum())
    raw = raw.removeprefix("EA")
    return f"EA-{raw[:5]}-{raw[5:]}" if len(raw) == 10 else ""


async def holder_name_of(db: Database, person_id: int) -> str | None:
    """The name the person's last certificate was made out to."""
    async with db.sessions() as session:
        return await session.scalar(
            select(HoursCertificate.holder_name)
            .where(HoursCertificate.person_id == person_id)
            .order_by(HoursCertificate.issued_at.desc(), HoursCertificate.id.desc())
            .limit(1)
        )


async def issue_certificate(
    db: Database,
    *,
    person_id: int,
    holder_name: str,
    branding: CertificateBranding,
    verify_url: str,
    now: datetime,
    tz: ZoneInfo,
) -> IssuedCertificate:
    """A certificate over the person's confirmed hours (``NothingToCertify``
    without any). Asked again with nothing changed, the same code again."""
    holder = clean_name(holder_name)
    summary = await hours_summary(db, person_id)
    if not summary.items:
        raise NothingToCertify()
    lines = tuple(
        CertificateLine(i.organisation, i.activity, i.first_day, i.last_day, i.dates, i.hours)
        for i in summary.items
    )
    today = now.astimezone(tz).date()
    async with db.transaction() as session:
        tenant_id = await session.scalar(select(Person.tenant_id).where(Person.id == person_id))
        if tenant_id is None:
            raise NothingToCertify()
        last = await session.scalar(
            select(HoursCertificate)
            .where(HoursCertificate.person_id == person_id)
            .order_by(HoursCertificate.issued_at.desc(), HoursCertificate.id.desc())
            .limit(1)
        )
        fresh = CertificateContent(
            "", holder, branding.tenant_name, today, lines, summary.confirmed
        )
        reused = False
        if last is not None:
            before = CertificateContent.from_dict(last.code, last.content)
            if (before.holder, before.lines, before.tenant) == (holder, lines, fresh.tenant):
                content, reused = before, True
        if not reused:
            code = new_code()
            while await session.scalar(
                select(HoursCertificate.id).where(HoursCertificate.code == code)
            ):
                code = new_code()  # pragma: no cover - 31^10 codes
            content = CertificateContent(code, holder, fresh.tenant, today, lines, fresh.total)
            session.add(
                HoursCertificate(
                    tenant_id=tenant_id,
                    person_id=person_id,
                    code=code,
                    holder_name=holder,
                    total_hours=content.total,
                    content=content.to_dict(),
                    issued_at=now,
                )
            )
            record(
                session,
                tenant_id=tenant_id,
                actor=f"person:{person_id}",
                action="certificate_issued",
                subject=f"certificate:{code}",
                at=now,
            )
    pdf = await asyncio.to_thread(render_pdf, content, branding, verify_url)
    return IssuedCertificate(content, pdf, reused)


async def certificate_by_code(db: Database, tenant_id: int, code: str) -> CertificateContent | None:
    """What the certificate with this code states (of this municipality)."""
    code = normalise_code(code)
    if not code:
        return None
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(HoursCertificate.code, HoursCertificate.content).where(
                    HoursCertificate.code == code, HoursCertificate.tenant_id == tenant_id
                )
            )
        ).first()
    return CertificateContent.from_dict(row[0], row[1]) if row is not None else None


# -- the PDF ------------------------------------------------------------------------

_REPLACE = str.maketrans(
    {"„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."}
)


def _latin1(text: str) -> str:
    """The core fonts speak Latin-1 (all of German); anything else becomes '?'."""
    return text.translate(_REPLACE).encode("latin-1", "replace").decode("latin-1")


def _rgb(colour: str, fallback: tuple[int, int, int]) -> tuple[int, int, int]:
    raw = colour.lstrip("#")
    if len(raw) != 6:
        return fallback
    try:
        return int(raw[0:2], 16), int(raw[2:4], 16), int(raw[4:6], 16)
    except ValueError:
        return fallback


def german_hours(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def german_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def render_pdf(
    content: CertificateContent, branding: CertificateBranding, verify_url: str
) -> bytes:
    """One A4 page (more if the activities need it): header bar in the
    municipality's colour, holder, one row per activity, total, code."""
    primary = _rgb(branding.primary_color, (0, 96, 156))
    secondary = _rgb(branding.secondary_color, (242, 246, 249))
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Ehrenamtsnachweis {content.code}"))
    pdf.set_author(_latin1(branding.tenant_name))
    pdf.set_creator("ehrenamt-bot")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_fill_color(*primary)
    pdf.rect(0, 0, 210, 28, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 16)
    pdf.set_xy(15, 8)
    pdf.cell(180, 8, _latin1(branding.tenant_name))
    pdf.set_font("Helvetica", "", 10)
    pdf.set_xy(15, 17)
    pdf.cell(180, 6, _latin1(branding.bot_name))
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(15, 40)
    pdf.set_font("Helvetica", "B", 22)
    pdf.cell(180, 12, "Ehrenamtsnachweis", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(15)
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(
        180,
        6,
        _latin1(
            f"Hiermit wird bestätigt, dass {content.holder} sich ehrenamtlich engagiert hat. "
            "Die folgenden Stunden wurden von den Organisationen bestätigt."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    widths = (52, 58, 46, 24)
    heads = ("Organisation", "Tätigkeit", "Zeitraum", "Stunden")
    pdf.set_x(15)
    pdf.set_font("Helvetica", "B", 10)
    pdf.set_fill_color(*secondary)
    for width, head in zip(widths, heads, strict=True):
        pdf.cell(
            width, 8, _latin1(head), border="B", fill=True, align="R" if head == "Stunden" else "L"
        )
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 10)
    for line in content.lines:
        period = german_date(line.first_day)
        if line.last_day != line.first_day:
            period += " - " + german_date(line.last_day)
        cells = (line.organisation, line.activity, period, german_hours(line.hours))
        _table_row(pdf, widths, tuple(_latin1(c) for c in cells))
    pdf.set_x(15)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(sum(widths[:3]), 9, "Insgesamt", border="T")
    pdf.cell(widths[3], 9, _latin1(f"{german_hours(content.total)} Stunden"), border="T", align="R")
    pdf.ln(16)
    pdf.set_x(15)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        180,
        5,
        _latin1(
            f"Ausgestellt am {german_date(content.issued)} über {branding.bot_name}.\n"
            f"Prüfcode: {content.code}\n"
            f"Echtheit prüfen: {verify_url}/{content.code}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


ROW_LINE = 5  # mm per line of a table row


def _table_row(pdf: FPDF, widths: tuple[int, ...], cells: tuple[str, ...]) -> None:
    """One activity row; long names wrap inside their column (whole words, a
    row as high as its longest cell) instead of being cut off mid-word."""
    lines = [
        pdf.multi_cell(width, ROW_LINE, text, dry_run=True, output="LINES")
        for width, text in zip(widths, cells, strict=True)
    ]
    height = ROW_LINE * max(len(cell) for cell in lines) + 2
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    top, x = pdf.get_y(), 15.0
    for width, text, align in zip(widths, cells, "LLLR", strict=True):
        pdf.set_xy(x, top + 1)
        pdf.multi_cell(width, ROW_LINE, text, align=align)
        x += width
    pdf.set_xy(15, top + height)
