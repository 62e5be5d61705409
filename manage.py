#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diam.web.settings")
    from django.core.management import execute_from_command_line

    from diam.web.startup import configured_or_exit, load_settings

    configured_or_exit(load_settings)
    execute_from_command_line(sys.argv)
