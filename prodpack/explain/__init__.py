"""`prodpack explain`: one figure with what moved it, its SPC reading, its revision and the
files behind it, for an analyst asking where a number came from."""
