"""Provisioner: creates the pipeline's tables through ordered migrations and loads user metadata."""
