"""Settings for the test suite: production settings with plain-HTTP test clients allowed."""

import os

os.environ.setdefault("DIAM_DEBUG", "0")
os.environ.setdefault("DIAM_ALLOW_DEV_SECRET", "1")
os.environ.setdefault("DIAM_SSL_REDIRECT", "0")
os.environ.setdefault("DIAM_SECURE_COOKIES", "0")
os.environ.setdefault("DIAM_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from diam.web.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# WhiteNoise warns when STATIC_ROOT is missing; tests serve from the app directories.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
