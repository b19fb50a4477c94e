"""The rewards catalogue: rewards priced in points with stock; purchase and use."""
