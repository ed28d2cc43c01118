"""Order stores: one interface (store/base.py), several backends."""
