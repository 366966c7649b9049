from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(
    r"^1[3-9]\d{9}$", _("Enter an 11-digit mainland China mobile number, e.g. 13800138000.")
)


class User(AbstractUser):
    """A person who signs in: staff of a property company, an owner or both.

    What a user may do comes from core.Membership (staff roles) and core.Resident
    (owner links), never from flags on this row; ``is_staff`` only opens Django admin
    for platform operators.
    """

    name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(
        _("mobile phone"), max_length=11, unique=True, null=True, blank=True, validators=[phone_validator]
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or super().get_full_name() or self.username
