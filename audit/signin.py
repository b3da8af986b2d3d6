"""Sign-in lockout (SPEC D6) with django-axes: a username is locked out after
`AXES_FAILURE_LIMIT` failed sign-ins, an address after `SIGN_IN_ADDRESS_FAILURE_LIMIT`, for
`AXES_COOLOFF_TIME`, in the site and the admin alike.

Axes counts the failures of each lockout parameter (`AXES_LOCKOUT_PARAMETERS`: the username,
then the address) and compares the largest with one limit. `SignInHandler` gives the address
its own, higher limit, by counting its failures against the username's limit less the
difference. While locked out, `AxesStandaloneBackend`, first in `AUTHENTICATION_BACKENDS`,
refuses before any other backend hashes the password.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpResponse


class SignInHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        by_username, by_address = (
            attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        headroom = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT - settings.AXES_FAILURE_LIMIT
        return max(by_username, by_address - headroom)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """On a successful sign-in, forget that username's failures only: someone with an
        account of their own must not clear the failures of the address they try others'
        passwords from."""
        by_username = self.filter_user_attempts(request, credentials)[0]
        return by_username.delete()[0]


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        "Too many failed sign-ins for this username or from this address: signing in is "
        f"locked for {minutes} minutes. Try again later, or ask an administrator to unlock it."
    )


class SignInFormMixin:
    def clean_username(self):
        """A username longer than any user's is refused here, before authentication: Django's
        form does not check the length it declares, and django-axes would fail to store it."""
        username = self.cleaned_data["username"]
        limit = self.fields["username"].max_length
        if limit and len(username) > limit:
            raise ValidationError(
                f"A username has at most {limit} characters.", code="username_too_long"
            )
        return username

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(lockout_message(), code="locked_out")
        return super().get_invalid_login_error()


class SignInForm(SignInFormMixin, AuthenticationForm):
    """The site's sign-in form, which says when a sign-in is locked out."""


class AdminSignInForm(SignInFormMixin, AdminAuthenticationForm):
    """The admin's, likewise."""


def lockout_response(request, original_response, credentials) -> HttpResponse:
    """The sign-in page as its view made it (its form says why), as 429 Too Many Requests."""
    original_response.status_code = 429
    return original_response
