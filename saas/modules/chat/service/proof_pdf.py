"""The proof of one notice as a PDF (saas.core.pdf: fpdf2 with DejaVu Sans embedded). The
words are the requester's language; the rows are the same as the CSV's
(`saas.modules.chat.service.proof`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fpdf.enums import XPos, YPos

from saas.core.pdf import FAMILY, new_pdf

if TYPE_CHECKING:
    from saas.modules.chat.service.proof import Proof

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Подтверждение по уведомлению", "Proof of a notice"),
    "firm": ("Фирма", "Firm"),
    "organization": ("Организация", "Organization"),
    "notice": ("Уведомление", "Notice"),
    "kind": ("Вид", "Kind"),
    "posted": ("Отправлено", "Posted"),
    "posted_by": ("Отправил", "Posted by"),
    "file": ("Файл", "File"),
    "recipients": ("Получатели", "Recipients"),
    "status": ("Итог", "Outcome"),
    "pending": ("Ещё не ответили", "Not answered yet"),
    "reminded": ("Напоминание отправлено", "Reminder sent"),
    "actions": ("Действия получателей", "Recipients' actions"),
    "none": ("Действий пока нет.", "No actions yet."),
    "generated": ("Сформировано", "Generated"),
    "time": ("Время (UTC)", "Time (UTC)"),
    "person": ("Кто", "Who"),
    "action": ("Действие", "Action"),
    "ip": ("IP-адрес", "IP address"),
    "agent": ("Браузер (user agent)", "User agent"),
    "details": ("Подробности", "Details"),
}


def word(key: str, language: str) -> str:
    ru, en = WORDS[key]
    return en if language == "en" else ru


def render_proof_pdf(proof: Proof, language: str) -> bytes:
    """The proof as PDF bytes: the notice's facts, then one table row per action."""
    pdf = new_pdf(f"{word('title', language)} {proof.notice_ref}", orientation="L")
    pdf.add_page()

    pdf.set_font(FAMILY, "B", 15)
    pdf.cell(
        0, 9, f"{word('title', language)} {proof.notice_ref}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font(FAMILY, "", 10)
    facts = [
        ("firm", proof.firm_name),
        ("organization", proof.organization_name),
        ("kind", proof.kind_label(language)),
        ("notice", proof.title),
        ("posted", f"{proof.posted_at_text} UTC"),
        ("posted_by", proof.posted_by),
    ]
    if proof.file_name:
        facts.append(("file", f"{proof.file_name} · SHA-256 {proof.file_sha256 or ''}"))
    facts.append(("recipients", ", ".join(proof.recipient_names) or "-"))
    facts.append(("status", proof.outcome(language)))
    if proof.pending_names and proof.needs_action:
        facts.append(("pending", ", ".join(proof.pending_names)))
    if proof.reminded_at_text is not None:
        facts.append(("reminded", f"{proof.reminded_at_text} UTC"))
    for key, value in facts:
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(45, 6, word(key, language))
        pdf.set_font(FAMILY, "", 10)
        pdf.multi_cell(0, 6, value or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if proof.text:
        pdf.ln(1)
        pdf.multi_cell(0, 5, proof.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 12)
    pdf.cell(0, 8, word("actions", language), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 8)
    if not proof.rows:
        pdf.cell(0, 6, word("none", language), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        with pdf.table(
            col_widths=(27, 60, 28, 25, 75, 62),
            text_align="LEFT",
            line_height=4.5,
            first_row_as_headings=True,
        ) as table:
            table.row(
                [word(k, language) for k in ("time", "person", "action", "ip", "agent", "details")]
            )
            for row in proof.rows:
                table.row(
                    [
                        row.at_text,
                        f"{row.person_name}\n{row.person_email}".strip(),
                        row.action_label(language),
                        row.ip or "-",
                        row.user_agent or "-",
                        row.details(language) or "-",
                    ]
                )
    pdf.ln(3)
    pdf.set_font(FAMILY, "", 8)
    pdf.cell(0, 5, f"{word('generated', language)}: {proof.generated_at_text} UTC")
    return bytes(pdf.output())
