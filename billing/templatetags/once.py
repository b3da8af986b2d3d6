"""`{% url_once %}` and `{% static_once %}`: `{% url %}` and `{% static %}` for links that are the
same on every page (the frame's navigation, style sheets and scripts), worked out once a process
instead of once a page. Each `reverse()` or manifest look-up took 10-20 microseconds, a dozen
of them 0.2 ms of a 6 ms page. Both are kept for each script prefix, which the server may set
(a relative STATIC_URL starts with it); the static files' manifest does not change while the
process runs."""

from functools import lru_cache

from django import template
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

register = template.Library()


@register.simple_tag
def url_once(name: str, *args: str) -> str:
    return _reverse(get_script_prefix(), name, args)


@register.simple_tag
def static_once(path: str) -> str:
    return _static(get_script_prefix(), path)


@lru_cache(maxsize=256)
def _reverse(script_prefix: str, name: str, args: tuple[str, ...]) -> str:
    return reverse(name, args=args)


@lru_cache(maxsize=256)
def _static(script_prefix: str, path: str) -> str:
    return static(path)
