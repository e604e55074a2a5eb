"""The record of processing activities (docs/datenschutz.md) names every
table of the schema: a new table without a line there fails here."""

from __future__ import annotations

import re
from pathlib import Path

from core.models import Base

DOC = Path(__file__).resolve().parents[2] / "docs" / "datenschutz.md"


def _named_tables(text: str) -> set[str]:
    """Tables named as code (`person`) in the table of section 5."""
    section = text.split("## 5.", 1)[1].split("\n## ", 1)[0]
    return {m.group(1) for m in re.finditer(r"^\| `([a-z_]+)` \|", section, re.MULTILINE)}


def test_every_table_of_the_schema_has_a_line_in_the_record() -> None:
    named = _named_tables(DOC.read_text(encoding="utf-8"))
    missing = sorted(set(Base.metadata.tables) - named)
    assert not missing, f"docs/datenschutz.md, section 5, lacks a line for: {missing}"


def test_the_record_names_no_table_that_does_not_exist() -> None:
    named = _named_tables(DOC.read_text(encoding="utf-8"))
    stale = sorted(named - set(Base.metadata.tables))
    assert not stale, f"docs/datenschutz.md names tables the schema does not have: {stale}"


def test_the_retention_table_states_the_periods_the_code_uses() -> None:
    """The periods written in section 7 are the ones retention.py applies."""
    from core.services import mail_queue, retention

    text = DOC.read_text(encoding="utf-8")
    section = text.split("## 7.", 1)[1].split("\n## ", 1)[0]
    assert retention.UNCONSENTED_KEEP.days == 7 and "| 7 Tage nach der letzten" in section
    assert retention.WARNING_BEFORE.days == 14 and "14 Tage vorher Warnung" in section
    assert retention.RATE_LIMIT_KEEP.days == 1 and "| 1 Tag |" in section
    assert retention.MONTH.days == 30 and "ein Monat = 30 Tage" in section
    assert mail_queue.KEEP_DONE.days == 30 and "Zeile nach 30 Tagen gelöscht" in section
