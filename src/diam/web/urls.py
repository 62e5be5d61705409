from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from diam.web.core import views as core_views

admin.site.site_header = "diam administration"
admin.site.site_title = "diam admin"

dev_urlpatterns = [path("dev/outbox/", core_views.dev_outbox, name="dev_outbox")]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("about/", core_views.about, name="about"),
    path("healthz", core_views.healthz, name="healthz"),
    path("healthz/live", core_views.healthz_live, name="healthz_live"),
    path("admin/", admin.site.urls),
    path("", include("diam.web.accounts.urls")),
    path("", include("diam.web.assessments.urls")),
    path("", include("diam.web.reports.urls")),
    path("", include("diam.web.benchmarks.urls")),
    path("", include("diam.web.exchange.urls")),
    path("", include("diam.web.api.urls")),
    path("", include("diam.web.validation.urls")),
    path("", include("diam.web.verification.urls")),
    path("", include("diam.web.programme.urls")),
    path("", include("diam.web.security.urls")),
    path("", include("diam.web.audit.urls")),
]
if settings.DIAM_DEV_OUTBOX:
    # Development only (docs/configuration.md): absent, not merely refused, in production.
    urlpatterns += dev_urlpatterns

handler400 = "diam.web.core.errors.bad_request"
handler403 = "diam.web.core.errors.permission_denied"
handler404 = "diam.web.core.errors.page_not_found"
handler500 = "diam.web.core.errors.server_error"
