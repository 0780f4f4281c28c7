"""``nn.summary``: output shapes and parameter counts of every layer."""
import nn


def test_summary_lists_output_shapes_and_parameters():
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 2))
    table = nn.summary(model, (3, 3, 4))
    lines = table.splitlines()
    assert lines[2].split() == ["input", "(3,", "3,", "4)", "36", "0"]
    row = next(line for line in lines if line.startswith("1 (Linear)"))
    assert row.split()[-3:] == ["5)", "15", "65"]
    assert "total parameters: 77 (77 trainable)" in table
    assert model.training  # mode restored
    assert nn.parameter_count(model) == 77
