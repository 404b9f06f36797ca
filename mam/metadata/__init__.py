"""Metadata readers: EXIF/XMP stills, DJI telemetry, container tags."""
