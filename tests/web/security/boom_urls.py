"""A URL configuration with a view that fails, for the 500 page test."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom)]
handler500 = "diam.web.core.errors.server_error"
