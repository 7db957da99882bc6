"""lockgate: batch ML for regulated finance, from inbound documents to change-managed model releases."""

__version__ = "0.1.0"
