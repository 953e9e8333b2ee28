"""Base helpers every layer may use; they import nothing of ours from above them."""
