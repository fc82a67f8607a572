"""Meetings made at the office's video service (issue 20): the provider layer.

`meetings.providers` makes, moves and removes one reservation's meeting at Zoom, Webex or
Microsoft Teams, or gives the counselor's personal room or a URL from the office's template
(the offline providers of `make run`). It imports nothing from the portal's apps: it is handed a
`MeetingRequest` and answers a `MeetingRef` or a `meetings.errors` error. Credentials come from
the environment or a secrets file per bureau (`meetings.credentials`). docs/meetings.md tells
an office how to set each provider up.
"""
