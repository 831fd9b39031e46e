"""The benchmark: this integration against the REST-sensor way (python -m bench)."""
