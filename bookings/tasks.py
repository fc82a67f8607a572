"""Celery tasks of bookings: thin, they call services (again, if the database connection drops)."""

from celery import shared_task

from core.sql import retry_on_disconnect

from .services.sessions import noshow_sweep
from .services.slots import slots_fill_horizon


@shared_task(name="bookings.noshow_sweep", ignore_result=True)
def noshow_sweep_task() -> int:
    """Art 6(5): run every minute by beat, so a no-show is recorded within 70 s of its deadline."""
    # A PostgreSQL restart is waited out here, not left to the next minute's run.
    return retry_on_disconnect(noshow_sweep, label="the no-show sweep")


@shared_task(name="bookings.slots_fill_horizon", ignore_result=True)
def slots_fill_horizon_task() -> int:
    """Run daily by beat: keep slots generated up to each office's booking horizon."""
    return retry_on_disconnect(slots_fill_horizon, label="filling the slot horizon")
