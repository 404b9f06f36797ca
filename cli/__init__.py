"""The `mam` command: a thin shell (typer + rich) over the API and the process supervisor."""
