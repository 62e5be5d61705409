import os

from django.core.wsgi import get_wsgi_application

from diam.web.startup import configured_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diam.web.settings")
application = configured_or_exit(get_wsgi_application)
