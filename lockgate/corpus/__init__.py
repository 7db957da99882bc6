"""Sample inbound correspondence with ground truth, deterministic for a seed (`lockgate corpus`)."""

from lockgate.corpus.generator import DEPARTMENTS, CorpusSummary, generate_corpus

__all__ = ["DEPARTMENTS", "CorpusSummary", "generate_corpus"]
