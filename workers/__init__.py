"""Celery app, tasks (one per pipeline step) and the embedded broker."""
