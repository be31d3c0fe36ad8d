"""Vocabularies of the normalizers as data files (TOML), read by the modules that own them."""
