"""The URL configuration of a development server (DEBUG on): the project's, with the
development-only patterns that the test settings (production-like) leave out."""

from diam.web.urls import dev_urlpatterns, handler400, handler403, handler404, handler500
from diam.web.urls import urlpatterns as project_urlpatterns

urlpatterns = [*dev_urlpatterns, *project_urlpatterns]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
