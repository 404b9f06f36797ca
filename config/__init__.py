"""Settings, presets and service configuration (no domain code here)."""
