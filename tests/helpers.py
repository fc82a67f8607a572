"""Helpers shared by tests."""

from django.test import Client


def staff_login(client: Client, user) -> Client:
    """Log a staff user into the admin as a real session would be (every admin test uses this)."""
    client.force_login(user)
    return client
