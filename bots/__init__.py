"""Chat adapters: they turn platform events into calls on the core and render its replies."""
