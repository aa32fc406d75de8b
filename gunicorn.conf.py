"""gunicorn's settings for the portal (read from the working directory at start-up)."""

# The access log masks the tokens that links carry (portal/logs.py).
logger_class = "portal.logs.GunicornRedactingLogger"
accesslog = "-"
