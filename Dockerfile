FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/venv
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev
COPY . .
# Build-time commands only: settings refuse to start without a real SECRET_KEY when DEBUG
# is off, and the image must not contain one.
RUN SECRET_KEY=build-time-only-not-a-secret /venv/bin/python manage.py collectstatic --noinput \
 && SECRET_KEY=build-time-only-not-a-secret /venv/bin/python manage.py compilemessages
ENV PATH=/venv/bin:$PATH
EXPOSE 8000
CMD ["uvicorn", "gebiedsplan.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
