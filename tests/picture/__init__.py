"""`ptflow graph`: the DAG pictures (dot, mermaid, svg, png) that compiler/picture.py draws."""
