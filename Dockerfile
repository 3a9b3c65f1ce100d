# OMS production image: gunicorn + whitenoise. docker-compose.yml runs it as web, worker and beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_NO_CACHE=1 \
    OMS_ENV=production

# WeasyPrint needs Pango and at least one font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN pip install uv

# Non-root runtime user. The code stays owned by root (read-only to the app); only media/ and
# the user's home (fontconfig cache) are writable.
RUN useradd --system --uid 1000 --user-group --create-home oms \
    && mkdir -p /app/media \
    && chown oms:oms /app/media

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. No dev extra.
COPY pyproject.toml ./
RUN uv pip install --system -r pyproject.toml

COPY . .

# Static files are collected at build time. The secret key is a throwaway build arg used by this
# step only; it is never set as ENV, so the running container must get DJANGO_SECRET_KEY. The
# gateway is named for this step only too: production refuses to start without one.
ARG DJANGO_SECRET_KEY=collectstatic-build-only-not-a-secret
RUN DJANGO_SECRET_KEY="$DJANGO_SECRET_KEY" OMS_PAYMENT_GATEWAY=manual \
    python manage.py collectstatic --noinput

USER oms

EXPOSE 8000

# The health check lives in docker-compose.yml.
CMD ["gunicorn", "oms.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
