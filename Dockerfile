FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -c requirements.lock .
RUN DEBUG=0 ALLOWED_HOSTS=build REDIS_URL=redis://build PORTAL_BASE_URL=https://build \
    EMAIL_BACKEND=console SMS_BACKEND=console AUDIT_HMAC_KEY=collectstatic-at-build-time-only-not-the-key \
    FIELD_ENCRYPTION_KEY=ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMtISE= \
    SECRET_KEY=collectstatic-at-build-time-only-this-is-not-the-runtime-secret \
    python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 portal && mkdir -p /var/lib/espace-client/private && chown -R portal /var/lib/espace-client
USER portal
EXPOSE 8000
# gunicorn.conf.py: an access log with the tokens of links masked.
CMD ["gunicorn", "portal.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3"]
