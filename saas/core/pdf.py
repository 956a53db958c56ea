"""PDF documents of every module (fpdf2), with DejaVu Sans embedded so Cyrillic renders
wherever the file is opened.

The fonts are DejaVu Sans (regular and bold) cut to Latin, Cyrillic and common punctuation
(`fonts/`, their licence beside them): the package carries them, so a machine without system
fonts writes the same file. `new_pdf` gives a document with both faces registered as
`FAMILY`; `paragraphs` writes wrapped text."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"


def new_pdf(title: str, *, orientation: str = "P") -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_creator("Kabinet")
    return pdf


def heading(pdf: FPDF, text: str, size: int = 14) -> None:
    pdf.set_font(FAMILY, "B", size)
    pdf.multi_cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def paragraphs(pdf: FPDF, text: str, size: int = 10) -> None:
    """Each line of `text` as a wrapped paragraph; a line starting with "# " in bold."""
    for line in text.splitlines():
        if line.startswith("# "):
            pdf.set_font(FAMILY, "B", size + 1)
            pdf.multi_cell(0, 6, line[2:], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            pdf.set_font(FAMILY, "", size)
            pdf.multi_cell(0, 5, line or " ", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def to_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
