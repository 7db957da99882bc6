"""Tooling around the product, not part of it: the bench (`make bench`), the demo's story, the
sample correspondence generator (`lockgate corpus`) and the extraction evaluations.

None of it is in the job zip (`lockgate.provenance.NOT_FOR_JOBS`): a Spark job never imports
it. The pipeline's name-model task is the one product step that reads the generator (its
training letters, `lockgate.pipeline.name_model`), and it runs in Airflow, not in a job.
"""
