"""What `torch.train` is made of: networks, data loading, the Lightning module, export.

Only the training step imports this package (it needs torch and lightning).
"""
