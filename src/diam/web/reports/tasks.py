"""Background tasks of the reports app, run by `manage.py db_worker` (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def render_report_file(report_file_id: int) -> str:
    """Render and store one queued report file (services.report_file_render)."""
    from diam.web.reports.services import report_file_render

    return report_file_render(report_file_id=report_file_id)
