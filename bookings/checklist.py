"""The environment checklist a jobseeker confirms at booking (Art 2(2), 5, 13(2)-(4)).

The keys are stored with the reservation (`environment_checklist`) and repeated in the
invitation; the labels are what the person reads, in their language.
"""

from django.utils.translation import gettext_lazy as _

CHECKLIST_ITEMS: list[tuple[str, str]] = [
    (
        "secure_device",
        _(
            "I will use a safe device with a webcam (smartphone, PC, …) that has no virus "
            "infection or other security problem (Art 2(2), 5(1))."
        ),
    ),
    (
        "no_unknown_wifi",
        _(
            "I will not connect through free Internet services whose security or management "
            "is unknown, such as free public Wi-Fi (Art 5(2))."
        ),
    ),
    (
        "os_supported",
        _(
            "The device's operating system is still supported and has the latest security "
            "updates; my browser and software are up to date (Art 5(3), 13(4))."
        ),
    ),
    (
        "firewall_on",
        _("The device's personal firewall is on, allowing only what is needed (Art 5(4))."),
    ),
    (
        "no_file_sharing",
        _(
            "No file-sharing software (Winny, Share, …) is installed, and I will close software "
            "I do not need during the consultation (Art 5(5))."
        ),
    ),
    (
        "antivirus_current",
        _(
            "Antivirus software (equivalent to a paid version) is installed with the latest "
            "pattern file (Art 5(6))."
        ),
    ),
    (
        "app_ready",
        _("The video app is installed and I have checked that my connection works (Art 13(4))."),
    ),
    (
        "private_room",
        _("I will take part from a private room or a place with nobody else around (Art 13(3))."),
    ),
    ("no_recording", _("I will not record the consultation in any way (Art 13(2)).")),
]

CHECKLIST_KEYS = [key for key, _label in CHECKLIST_ITEMS]

# A few words naming each item, for the error message of an item left unticked (the error
# summary names which one, not "confirm this item" eight times).
CHECKLIST_SHORT: dict[str, str] = {
    "secure_device": _("a safe device"),
    "no_unknown_wifi": _("no unknown Wi-Fi"),
    "os_supported": _("up-to-date system and software"),
    "firewall_on": _("the firewall"),
    "no_file_sharing": _("no file-sharing software"),
    "antivirus_current": _("antivirus software"),
    "app_ready": _("the video app"),
    "private_room": _("a private place"),
    "no_recording": _("no recording"),
}


def checklist_missing(checklist: dict | None) -> list[str]:
    """The keys not confirmed (every item is required)."""
    checklist = checklist or {}
    return [key for key in CHECKLIST_KEYS if checklist.get(key) is not True]
