"""``hipcam batch``: score many videos in parallel, resumably, with a summary and an HTML report.

- :mod:`hipcam.batch.inputs` finds the videos (folders, globs, CSV manifests);
- :mod:`hipcam.batch.store` keeps one SQLite row per (content hash, analysis version, settings);
- :mod:`hipcam.batch.worker` is what runs in a worker: model loaded once, one video per call;
- :mod:`hipcam.batch.runner` runs those calls on a pool of local processes or a Dask cluster,
  with a per-video timeout and replacement of crashed or hung workers;
- :mod:`hipcam.batch.outputs` writes ``summary.csv`` and the per-video JSON;
- :mod:`hipcam.batch.htmlreport` writes the static HTML report.
"""
