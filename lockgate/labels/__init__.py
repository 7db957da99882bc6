"""Labels from people and systems: the label store (`store`) and exports read into it (`imports`).

Training reads labels as they were known on its snapshot day (`store.labels_as_of`); every
decision keeps who made it, when, through which source and system. Where the decisions come
from (an import, the review queue, the generator's answer key) is the pipeline's business
(`lockgate.pipeline.labels`).
"""
