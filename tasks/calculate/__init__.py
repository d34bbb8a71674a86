"""Calculate: implied productivity, indicators and peer ranks into mart, and what they say."""
