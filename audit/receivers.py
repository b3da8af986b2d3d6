"""Signal receivers: sign-ins (Django's and django-axes's signals) and the changes of reason
codes, accounting codes and the write-off settings, whichever screen or command saves them."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from audit.models import Action
from audit.services import change_recorded, sign_in_recorded, values
from audit.sessions import session_stamp
from billing.models import AccountingCode
from writeoffs.models import ReasonCode, WriteOffSettings

TRACKED = (ReasonCode, AccountingCode, WriteOffSettings)


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def signed_in(sender, request, user, **kwargs):
    sign_in_recorded(Action.SIGN_IN, user=user)
    if request is not None and hasattr(request, "session"):
        session_stamp(request.session)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    # django-axes's own receiver ran first (its app comes first) and marked a locked-out
    # request; so each failed attempt is one entry, of one kind or the other.
    locked = getattr(request, "axes_locked_out", False)
    action = Action.SIGN_IN_LOCKED_OUT if locked else Action.SIGN_IN_FAILED
    sign_in_recorded(action, username=str(credentials.get("username") or ""))


def _before_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._audit_before = None
        return
    old = sender.objects.filter(pk=instance.pk).first()
    instance._audit_before = values(old) if old is not None else None


def _after_save(sender, instance, created, raw=False, **kwargs):
    if not raw:
        change_recorded(
            instance, before=getattr(instance, "_audit_before", None), after=values(instance)
        )


def _after_delete(sender, instance, **kwargs):
    change_recorded(instance, before=values(instance), after=None)


for model in TRACKED:
    pre_save.connect(_before_save, sender=model, dispatch_uid=f"audit_before_{model.__name__}")
    post_save.connect(_after_save, sender=model, dispatch_uid=f"audit_after_{model.__name__}")
    post_delete.connect(_after_delete, sender=model, dispatch_uid=f"audit_delete_{model.__name__}")
