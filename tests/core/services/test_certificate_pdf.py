"""The certificate's PDF keeps every word of long organisation and activity
names (they wrap in their column) and prints the check address with the code."""

from __future__ import annotations

import io
from datetime import date

import pypdf

from core.services.certificate import (
    CertificateBranding,
    CertificateContent,
    CertificateLine,
    render_pdf,
)

BRANDING = CertificateBranding(
    tenant_name="Stadt Aachen",
    bot_name="Engagement-Bot Aachen",
    primary_color="#00609c",
    secondary_color="#f2f6f9",
)


def pdf_words(content: CertificateContent) -> list[str]:
    pdf = render_pdf(content, BRANDING, "https://ehrenamt.example/t/aachen/nachweis")
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return text.split()


def test_long_names_wrap_whole_instead_of_being_cut() -> None:
    activity = "Unterstützung für die Hausaufgabenhilfe in der Offenen Ganztagsschule"
    organisation = "Förderverein der Katholischen Grundschule Brand e. V."
    content = CertificateContent(
        "EA-4JGVP-BSX9H",
        "Lena Beispiel",
        "Stadt Aachen",
        date(2026, 12, 6),
        (CertificateLine(organisation, activity, date(2026, 10, 7), date(2026, 12, 2), 8, 16.5),),
        16.5,
    )
    words = pdf_words(content)
    for word in (*activity.split(), *organisation.split()):
        assert word in words, (word, words)
    assert "https://ehrenamt.example/t/aachen/nachweis/EA-4JGVP-BSX9H" in words


def test_many_rows_flow_onto_a_second_page() -> None:
    lines = tuple(
        CertificateLine(
            f"Verein Nummer {n} für ein gutes Miteinander im Stadtteil",
            f"Einsatz {n}: Begleitung und Unterstützung bei langen Veranstaltungen",
            date(2026, 1, 1),
            date(2026, 6, 30),
            3,
            2.0,
        )
        for n in range(1, 41)
    )
    content = CertificateContent("EA-X", "Lena", "Stadt Aachen", date(2026, 12, 6), lines, 80.0)
    pdf = render_pdf(content, BRANDING, "https://ehrenamt.example/t/aachen/nachweis")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    for n in range(1, 41):
        assert f"Einsatz {n}:" in text  # none lost at a page break
    assert "Insgesamt" in text
