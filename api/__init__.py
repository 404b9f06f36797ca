"""The HTTP API (FastAPI): routers, schemas, auth. Runs no ffmpeg; enqueues work by task name."""
