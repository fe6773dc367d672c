"""Reports have no tables of their own: they add up the other apps' rows.

``ProgramReport`` is a proxy of ``Program`` so that the admin lists "Program
reports" on its index, under *Reports*, with a row per program the user may
administer; the report itself is a view (``reports/views.py``).
"""

from __future__ import annotations

from programs.models import Program


class ProgramReport(Program):
    class Meta:
        proxy = True
        verbose_name = "program report"
        verbose_name_plural = "program reports"
