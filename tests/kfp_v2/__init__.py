"""KFP v2 IR: the kfp-v2 target's output compared with what kfp's own compiler writes."""
