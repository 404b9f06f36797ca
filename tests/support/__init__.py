"""Test helpers: media generators, measurement, and service fixtures' machinery."""
