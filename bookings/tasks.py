"""Celery tasks of bookings: thin, they call services."""

from celery import shared_task

from .services.sessions import noshow_sweep
from .services.slots import slots_fill_horizon


@shared_task(name="bookings.noshow_sweep", ignore_result=True)
def noshow_sweep_task() -> int:
    """Art 6(5): run every minute by beat, so a no-show is recorded within 70 s of its deadline."""
    return noshow_sweep()


@shared_task(name="bookings.slots_fill_horizon", ignore_result=True)
def slots_fill_horizon_task() -> int:
    """Run daily by beat: keep slots generated up to each office's booking horizon."""
    return slots_fill_horizon()
