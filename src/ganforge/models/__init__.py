"""Network definitions; they know nothing of training."""
