"""Train/val/test splits: stratified, near-duplicate clusters kept together, stable under added rows."""
