"""Shared facts of the pipeline: schema names, settings helpers, errors, logging and CLI glue."""

import warnings

# confluent-kafka's schema-registry support imports authlib's deprecated httpx client at import
# time; its warning would otherwise precede the output of every command.
try:  # authlib installs an "always" filter for its own warnings when imported; ours must come after
    import authlib.deprecate  # noqa: F401
except ImportError:  # pragma: no cover - only present through confluent-kafka's extras
    pass
warnings.filterwarnings("ignore", message="The httpx module is deprecated")
