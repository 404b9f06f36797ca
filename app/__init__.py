"""The composition root: where the product's parts are built and wired, once per process."""
