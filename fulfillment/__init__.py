"""Order-status fulfillment service for chatbot platforms."""

__version__ = "0.1.0"
