"""The conversation designers' playground: a page served by the service itself."""
