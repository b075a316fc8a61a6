"""The peers nnc is measured against, one module each, all with the same entry
points: ``prepare_line``/``line_fit`` for the line fits (a)/(b) and
``prepare_mlp``/``mlp_fit`` for the digits MLP (c). ``prepare_*`` converts the data
to the peer's native form outside the clock; the fit functions are what is timed."""
