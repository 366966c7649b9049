"""Deliveries of alerts on the company's channels: created with the alert's event, sent from the
task queue after commit, retried with backoff, held during a channel's quiet hours.

The alert and its inbox rows commit first; a channel that fails or is unreachable only changes
its Delivery row (status, attempts, last error, next attempt), so nothing is lost and the alert
page shows how each message went.
"""

import datetime as dt
import logging
import time

from django.db import transaction
from django.db.models import F
from django_scopes import scopes_disabled

from alerts import channels as senders
from alerts.choices import OPEN_DELIVERY_STATUSES, RETRY_BACKOFF_SECONDS, SEVERITY_RANK, DeliveryStatus, Severity
from alerts.models import Alert, Channel, Delivery
from alerts.services.common import now
from alerts.services.memo import memoized

log = logging.getLogger(__name__)

# A claimed delivery is invisible to other workers this long: longer than a send can take (10 s
# timeout). A worker that dies mid-send leaves it to be picked up again when the lease ends.
LEASE = dt.timedelta(minutes=5)
# The every-minute sweep stops taking new deliveries after this long (the job has 300 s).
SWEEP_SECONDS = 50
ERROR_MAX = 500


#
# Creating
#
def deliveries_create(*, alert: Alert, event_key: str, at: dt.datetime) -> list[Delivery]:
    """Create one Delivery per active channel of the company that carries ``alert`` for
    ``event_key`` ("raised", "escalated:<level>", "reopened:<n>") and queue the sends on commit.

    Called inside the alert's transaction. Idempotent: (alert, channel, event_key) is unique, so a
    repeated call adds nothing. During a channel's quiet hours a non-critical message is deferred
    to the end of the window (the every-minute sweep sends it then).
    """
    chosen = [c for c in _active_channels(alert.company_id) if channel_carries(c, alert=alert, event_key=event_key)]
    if not chosen:
        return []
    zone = chosen[0].company.zone  # the channels came with their company
    rows = [_new_delivery(alert, channel, event_key=event_key, at=at, zone=zone) for channel in chosen]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(
        Delivery.objects.filter(alert=alert, event_key=event_key, channel__in=chosen, created=at).order_by("id")
    )
    due = [d.pk for d in created if d.status == DeliveryStatus.PENDING]
    if due:
        transaction.on_commit(lambda: deliveries_queue(due))
    return created


def _active_channels(company_id: int) -> list[Channel]:
    """The company's active channels (memoised for the length of an evaluation pass)."""
    return memoized(
        ("channels", company_id),
        lambda: list(
            Channel.objects.filter(company_id=company_id, is_active=True).select_related("company").order_by("id")
        ),
    )


def channel_carries(channel: Channel, *, alert: Alert, event_key: str) -> bool:
    """Whether ``channel``'s filters let the message of ``alert`` for ``event_key`` through."""
    if channel.project_id is not None and channel.project_id != alert.project_id:
        return False
    if SEVERITY_RANK[Severity(alert.severity)] < SEVERITY_RANK[Severity(channel.min_severity)]:
        return False
    if channel.rule_kinds and alert.kind not in channel.rule_kinds:
        return False
    return channel.on_escalation or not event_key.startswith("escalated")


def _new_delivery(alert: Alert, channel: Channel, *, event_key: str, at: dt.datetime, zone) -> Delivery:
    quiet_end = None if alert.severity == Severity.CRITICAL else quiet_until(channel, at=at, zone=zone)
    return Delivery(
        company_id=alert.company_id,
        alert=alert,
        channel=channel,
        event_key=event_key,
        status=DeliveryStatus.DEFERRED if quiet_end else DeliveryStatus.PENDING,
        next_attempt_at=quiet_end or at,
        created=at,
    )


def quiet_until(channel: Channel, *, at: dt.datetime, zone) -> dt.datetime | None:
    """The end of ``channel``'s quiet window if ``at`` (read in ``zone``) falls inside it, else None.

    The window is [quiet_start, quiet_end) in local time and may cross midnight (22:00–07:00).
    """
    start, end = channel.quiet_start, channel.quiet_end
    if start is None or end is None or start == end:
        return None
    local = at.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=zone)


def deliveries_queue(ids: list[int]) -> None:
    """Hand the sends to the task queue; if the queue is down, the every-minute sweep sends them."""
    from django_q.tasks import async_task

    for pk in ids:
        try:
            async_task("alerts.services.delivery.delivery_send", pk, task_name=f"alert-delivery-{pk}")
        except Exception:  # the row is pending: deliver_due picks it up within a minute
            log.exception("could not queue alert delivery %s", pk)


#
# Sending
#
def delivery_send(delivery_id: int, *, at: dt.datetime | None = None) -> str:
    """Send one delivery if it is due; returns its status afterwards ("skipped" when not due or taken).

    1. Claim it with a conditional UPDATE (due, still open): attempts + 1 and a lease on
       ``next_attempt_at``, so a second worker (the queue and the sweep) skips it.
    2. Send outside any transaction (slow I/O, up to 10 s).
    3. Record the outcome: sent, or retrying after RETRY_BACKOFF_SECONDS[attempts - 1], or failed
       after the last attempt (or at once when retrying cannot help, e.g. no recipient).
    """
    given, at = at, at or now()
    with scopes_disabled():  # a job: the delivery keeps its company
        claimed = Delivery.objects.filter(
            pk=delivery_id, status__in=OPEN_DELIVERY_STATUSES, next_attempt_at__lte=at
        ).update(attempts=F("attempts") + 1, next_attempt_at=at + LEASE)
        if claimed != 1:
            return "skipped"
        delivery = Delivery.objects.select_related(
            "channel", "channel__company", "alert", "alert__company", "alert__rule", "alert__project", "alert__owner"
        ).get(pk=delivery_id)
        result = _send(delivery)
        # the backoff counts from the end of the send (or from the moment a caller named)
        return _record(delivery, result, done_at=now() if given is None else given)


def _send(delivery: Delivery) -> senders.Result:
    channel = delivery.channel
    if not channel.is_active:
        return senders.Result(ok=False, error="the channel was switched off", permanent=True)
    try:
        message = senders.message_for_alert(delivery.alert, event_key=delivery.event_key, at=delivery.created)
    except Exception as exc:  # a bug must not leave the row claimed and retried every lease forever
        log.exception("alert delivery %s: could not build the message", delivery.pk)
        return senders.Result(ok=False, error=f"{type(exc).__name__}: {exc}")
    return senders.send(channel, message)


def _record(delivery: Delivery, result: senders.Result, *, done_at: dt.datetime) -> str:
    mine = Delivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts)  # unless re-claimed meanwhile
    if result.ok:
        mine.update(
            status=DeliveryStatus.SENT, sent_at=done_at, response_code=result.code, last_error="", next_attempt_at=None
        )
        return DeliveryStatus.SENT
    last = result.permanent or delivery.attempts > len(RETRY_BACKOFF_SECONDS)
    changes = {"last_error": result.error[:ERROR_MAX], "response_code": result.code}
    if last:
        mine.update(status=DeliveryStatus.FAILED, next_attempt_at=None, **changes)
        log.warning("alert delivery %s failed for good: %s", delivery.pk, result.error)
        return DeliveryStatus.FAILED
    retry_at = done_at + dt.timedelta(seconds=RETRY_BACKOFF_SECONDS[delivery.attempts - 1])
    mine.update(status=DeliveryStatus.RETRYING, next_attempt_at=retry_at, **changes)
    return DeliveryStatus.RETRYING


def deliveries_send_due(*, now: dt.datetime, batch: int = 100) -> int:
    """Send the deliveries that are due, oldest first (retries after backoff, the end of quiet
    hours, sends the queue lost); returns how many went out. Stops taking new ones after
    SWEEP_SECONDS so the every-minute job never runs into the next."""
    started = time.monotonic()
    with scopes_disabled():
        due = list(
            Delivery.objects.filter(status__in=OPEN_DELIVERY_STATUSES, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:batch]
        )
    sent = 0
    for pk in due:
        if time.monotonic() - started > SWEEP_SECONDS:
            break
        sent += delivery_send(pk, at=now) == DeliveryStatus.SENT
    return sent
