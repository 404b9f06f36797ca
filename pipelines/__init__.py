"""Ingest and export as sequences of plain, idempotent steps (no broker needed to run them)."""
