from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from accounts.models import User

LOGIN_THROTTLED = _("Too many failed sign-in attempts. Please try again in {minutes} minutes.")


def _throttle_keys(*, identifier: str, ip: str) -> list[str]:
    return [f"login-fail:id:{identifier.strip().lower()}", f"login-fail:ip:{ip}"]


def login_is_throttled(*, identifier: str, ip: str) -> bool:
    """True once an identifier or an address has failed LOGIN_FAILURE_LIMIT times in the window.

    Counting both keys stops a password spray on one account from many addresses and
    one address trying many accounts; the IP limit is 4x looser for shared NAT exits.
    """
    id_key, ip_key = _throttle_keys(identifier=identifier, ip=ip)
    limit = settings.LOGIN_FAILURE_LIMIT
    return (cache.get(id_key) or 0) >= limit or (cache.get(ip_key) or 0) >= limit * 4


def login_failure_record(*, identifier: str, ip: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key in _throttle_keys(identifier=identifier, ip=ip):
        if not cache.add(key, 1, window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, window)


def login_success_clear(*, identifier: str, ip: str) -> None:
    cache.delete(_throttle_keys(identifier=identifier, ip=ip)[0])


def login_throttled_message() -> str:
    return str(LOGIN_THROTTLED).format(minutes=max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60))


@transaction.atomic
def user_create(
    *, username: str, name: str = "", phone: str | None = None, password: str | None = None, email: str = ""
) -> User:
    user = User(username=username, name=name, phone=phone or None, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def user_set_password(*, user: User, password: str, actor: User) -> User:
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def api_token_regenerate(*, user: User, actor: User) -> Token:
    if actor.pk != user.pk:
        raise ValidationError(_("You can only regenerate your own API token."))
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)
