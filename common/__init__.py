"""Shared facts of the pipeline: schema names, settings helpers, errors, logging and CLI glue."""

import warnings

# confluent-kafka's schema-registry support imports authlib's deprecated httpx client at import
# time; its warning would otherwise precede the output of every command.
warnings.filterwarnings("ignore", message="The httpx module is deprecated")
