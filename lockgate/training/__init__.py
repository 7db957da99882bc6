"""Training sets, fitting, evaluation and the gate a candidate must pass before release."""
