"""Delivered tables read, typed and checked row by row against their declaration
(`lockgate.datasets.DatasetSpec`): Spark transforms only; the pipeline writes what they give."""

from lockgate.ingestion.tables import DeliveryRefused, checked_rows, read_delivery, split

__all__ = ["DeliveryRefused", "checked_rows", "read_delivery", "split"]
