"""Alert: each adverse variance of the month to the lead of its node, once."""
