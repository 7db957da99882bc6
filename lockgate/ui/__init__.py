"""The lockgate pages in the Airflow UI (`app`), what they read (`data`), who may see and do what
(`security`), and their charts."""
