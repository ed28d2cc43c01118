"""Finding order numbers in what the customer typed, with spaCy tokens and designers' formats."""
