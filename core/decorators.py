from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from core.access import access_for


def staff_required(perm: str | None = None):
    """Signed-in staff holding ``perm`` somewhere; owners are sent to /m/, others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = access_for(user)
            if not access.is_staff_member:
                if access.is_resident:
                    return redirect("portal:home")
                raise PermissionDenied
            if perm and not access.has(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
