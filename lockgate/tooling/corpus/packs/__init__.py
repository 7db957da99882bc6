"""Correspondence templates, one module per language."""
