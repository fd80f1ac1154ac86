"""`ptflow ui`: a local, read-only web page over the run store (the local counterpart of the KFP UI).

Modules, one concept each:

    readonly.py   the store opened read-only (SQLite `mode=ro`), and the queries the pages need
    files.py      which store files may be served (nothing outside the store, no symlinks out)
    dag.py        a run's DAG: the pipeline's picture (compiler/picture.py) with each step's status
    layout.py     a nested-group layout of a picture, and its SVG
    charts.py     SVG drawings: confusion-matrix heat map, ROC curve, metric-vs-parameter chart, lineage
    markdown.py   a small Markdown renderer that escapes all HTML
    tensorboard.py  starts (or reuses) `ptflow tensorboard` for a run, on loopback
    pages.py      what each page shows: URL -> template context
    server.py     the HTTP server: GET only, headers, routing to pages
"""
