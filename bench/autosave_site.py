"""The server bench_autosave.py measures: production settings and URLs, plus two reference views.

The references bound what any autosave could reach on the same machine, so the figures say how
much of the gap to hello-world is the save itself and how much is unavoidable:

- `/bench/signed-in/`: a GET that only passes Django's session authentication (the session row
  and the user row, as every signed-in page does) and answers "ok";
- `/bench/write/`: a signed-in POST through the CSRF check that makes one durable write (one
  row updated in its own transaction) and answers "ok": the least a save can do.

Used only by the benchmark (`DJANGO_SETTINGS_MODULE=autosave_site`, with bench/ on the path);
the views are in autosave_urls.py.
"""

from diam.web.settings import *  # noqa: F403  (the production settings, unchanged but for URLs)

ROOT_URLCONF = "autosave_urls"
