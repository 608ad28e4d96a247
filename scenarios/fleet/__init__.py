"""``btwin fleet``: a fleet of vehicles, each with its edge twin, and the
cloud's population twin that pools them night by night, run on Dask."""
