"""French date formats as the portal writes them: "2 décembre 2026 à 12:45" rather than
Django's "2 décembre 2026 12:45"; the rest is Django's own."""

DATETIME_FORMAT = r"j F Y \à H:i"
