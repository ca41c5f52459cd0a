"""Data layer: dataset I/O, schemas, validation, the generator and the embedded demo."""
