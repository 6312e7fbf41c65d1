"""Differentially private EBMs: private binning, the noisy step rule, the accountant."""
