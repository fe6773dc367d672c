"""The program report: a page in the admin and the same report as a workbook.

Both are routed by ``ProgramReportAdmin.get_urls`` through
``admin.site.admin_view`` (the admin's login, look and no-cache headers), and
each asks ``selectors.program_for_report`` (``programs.access``) for the
program: its coordinators and site staff only. Self-identification is added
only for the program's own coordinators (``access.user_sees_identity``).
"""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone

from programs import access

from . import report, selectors
from .charts import chart_for
from .exports import report_response
from .forms import ReportFilterForm
from .models import ProgramReport


def _report(request, program_id: int):
    program = selectors.program_for_report(request.user, program_id)
    form = ReportFilterForm(request.GET or None, program=program)
    scope = selectors.scope_for(program, **form.filters())
    show_identity = access.user_sees_identity(request.user, program)
    sections = report.build(selectors.report_figures(scope, show_identity=show_identity))
    return program, form, scope, sections


def program_report(request, program_id: int):
    program, form, scope, sections = _report(request, program_id)
    for section in sections:
        for table in section.tables:
            table.chart = chart_for(table)
    context = {
        **admin.site.each_context(request),
        "opts": ProgramReport._meta,
        "title": f"Report: {program.name}",
        "program": program,
        "form": form,
        "scope": scope,
        "sections": sections,
        "query": request.GET.urlencode(),
        "today": timezone.localdate(),
    }
    return TemplateResponse(request, "reports/report.html", context, status=422 if form.errors else 200)


def program_report_xlsx(request, program_id: int):
    program, _form, scope, sections = _report(request, program_id)
    return report_response(program, scope, sections)
