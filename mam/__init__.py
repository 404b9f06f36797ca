"""The domain: catalog, storage and media tools. Imports no web or queue framework."""
