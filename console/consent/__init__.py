"""Private cameras and consent (issue 18, section 3): what each camera's owner shares, and the
access requests that open an on-request camera for a limited time."""
