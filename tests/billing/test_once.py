"""`{% url_once %}` and `{% static_once %}` give what `{% url %}` and `{% static %}` give, under
whatever script prefix the server sets."""

import pytest
from django.template import engines
from django.urls import clear_script_prefix, set_script_prefix


def render(text: str) -> str:
    return engines["django"].from_string("{% load static once %}" + text).render({})


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    clear_script_prefix()


@pytest.mark.parametrize(
    ("once", "django"),
    [
        ("{% url_once 'home' %}", "{% url 'home' %}"),
        (
            "{% url_once 'billing:document-list' 'debit-memos' %}",
            "{% url 'billing:document-list' 'debit-memos' %}",
        ),
        ("{% static_once 'css/app.css' %}", "{% static 'css/app.css' %}"),
    ],
)
def test_the_same_as_djangos_tags_under_each_script_prefix(script_prefix, once, django):
    assert render(once) == render(django)
    script_prefix("/billing-app/")
    assert render(once) == render(django)
    assert render("{% url_once 'home' %}") == "/billing-app/"
    script_prefix("/")
    assert render("{% url_once 'home' %}") == "/"
