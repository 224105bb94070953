# The CreatorFlow image: `creatorflow worker` and `creatorflow api` (see docker-compose.yml). Only the
# product's packages: the dev tools (emulators/, devstack/, bench/) stay in the checkout.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY creatorflow creatorflow
COPY workflows workflows
COPY activities activities
COPY workers workers
COPY starter starter
RUN pip install . && useradd --system --home /app creatorflow
USER creatorflow
ENTRYPOINT ["creatorflow"]
CMD ["--help"]
