"""Shot analysis from keyframes and proxies (OCR, looks, faces, motion): pure functions, no framework."""
