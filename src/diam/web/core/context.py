from typing import Any

from django.conf import settings
from django.http import HttpRequest

from diam import __version__

DISCLAIMER = (
    "diam is an open model inspired by the public description of the HIMSS/ESR Digital Imaging "
    "Adoption Model (DIAM). It is not affiliated with HIMSS or ESR, and its stages are not "
    "official DIAM stages or certifications."
)


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "diam_version": __version__,
        "diam_disclaimer": DISCLAIMER,
        # Development only: pages that say an e-mail was sent point to the outbox.
        "diam_dev_outbox": settings.DIAM_DEV_OUTBOX,
    }
