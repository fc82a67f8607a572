import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def staff_with_device(db):
    user = UserFactory(is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device
