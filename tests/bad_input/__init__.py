"""Bad-input suite: every public function and method of nnc fed wrong types,
wrong dtypes, wrong shapes, empty and single-element arrays, NaN and inf,
awkward memory layouts and absurd hyper-parameters.  ``cases`` holds the
table of how to call each function correctly (shared with the leak, thread
and determinism tests); the test modules here break those calls one way at a
time."""
