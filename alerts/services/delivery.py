"""Deliveries of alerts on the company's channels. (Placeholder: the channels work replaces the body.)"""

import datetime as dt

from alerts.models import Alert, Delivery


def deliveries_create(*, alert: Alert, event_key: str, at: dt.datetime) -> list[Delivery]:
    """Create one Delivery per matching channel for ``event_key`` and queue the sends on commit."""
    return []
