from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db.base import SharedBase


class CasbinRule(SharedBase):
    """Casbin policy lines. `p` rows: (role, domain, object, action); `g` rows: (member, role,
    domain). Domain `*` holds the default roles every tenant gets."""

    __tablename__ = "casbin_rule"
    __table_args__ = (Index("ix_casbin_rule_ptype_domain", "ptype", "v1", "v2"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ptype: Mapped[str] = mapped_column(String(8))
    v0: Mapped[str | None] = mapped_column(Text)
    v1: Mapped[str | None] = mapped_column(Text)
    v2: Mapped[str | None] = mapped_column(Text)
    v3: Mapped[str | None] = mapped_column(Text)
    v4: Mapped[str | None] = mapped_column(Text)
    v5: Mapped[str | None] = mapped_column(Text)
