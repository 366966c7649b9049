from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from accounts.models import User


class PhoneOrUsernameBackend(ModelBackend):
    """Sign in with a mobile number or a username, whichever the person types."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        identifier = username.strip()
        user = User.objects.filter(Q(username=identifier) | Q(phone=identifier)).order_by("id").first()
        if user is None:
            User().set_password(password)  # same work as a real check, so timing does not leak accounts
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
