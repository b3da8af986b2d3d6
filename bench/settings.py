"""Settings of the benchmark: the production settings (`config.settings`, read from the
environment as in production) plus a bare view to compare every page with.

`python -m bench` sets the environment (DJANGO_DEBUG=0, a throwaway secret key, ALLOWED_HOSTS
127.0.0.1, no HTTPS redirect) for itself and for the gunicorn it starts. The only differences
from production are below: the bench serves plain HTTP on 127.0.0.1, where a browser would not
send back a cookie marked secure.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
