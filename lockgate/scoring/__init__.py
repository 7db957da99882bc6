"""Batch scoring of extracted documents with the release deployed in an environment."""
