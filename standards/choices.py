from django.db import models
from django.utils.translation import gettext_lazy as _


class Discipline(models.TextChoices):
    """The five lines of property service a standard item belongs to (专业)."""

    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    ENGINEERING = "engineering", _("Engineering")
    SECURITY = "security", _("Security")
    CLEANING = "cleaning", _("Cleaning")
    GREENING = "greening", _("Greening")


DISCIPLINE_COLORS = {
    Discipline.CUSTOMER_SERVICE: "primary",
    Discipline.ENGINEERING: "warning",
    Discipline.SECURITY: "danger",
    Discipline.CLEANING: "info",
    Discipline.GREENING: "success",
}


class RankDirection(models.TextChoices):
    LOWER_IS_HIGHER = "lower_is_higher", _("Lower rank is a higher level (一级 is the best)")
    HIGHER_IS_HIGHER = "higher_is_higher", _("Higher rank is a higher level (local standards counting up)")
