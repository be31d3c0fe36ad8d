"""The profile-guided build's training run (fixtures/pgo_training.py) covers every input shape
`toolscout normalize` takes, and each of its records normalizes without an error: a training
run that only hit error paths would tune the build for the wrong code."""

import orjson

from fixtures.pgo_training import training_lines
from normalize.record import normalize_line


def test_training_covers_every_input_shape_without_errors():
    lines = training_lines()
    shapes = {tuple(sorted(orjson.loads(line))) for line in lines}
    assert {("card", "model_info"), ("model_info",), ("card",), ("text",), ("pricing",)} <= shapes
    results = [normalize_line(line) for line in lines]
    assert not [result for result in results if "error" in result]
    # The training reads real statements: sizes, licenses and prices are found in it.
    for field in ("params", "license", "pricing"):
        assert sum(result[field] is not None for result in results) >= 15, field
