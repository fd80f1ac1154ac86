"""KFP v1 (Argo Workflow) goldens, the Argo validator and the kfp-v1 target."""
