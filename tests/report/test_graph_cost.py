"""The report's graph-cost table: one row per stage with a .tflite, from its static summary."""
from builder.report import graph_cost_lines


def _stage(name, graph=None):
    static = None if graph is None else {"graph": graph, "constant_bytes": 700}
    return {"name": name, "size_bytes": 1000, "extra": {} if static is None else {"static": static}}


def test_graph_cost_rows_come_from_the_static_summary():
    graph = {"graph_bytes": 300, "item_table_bytes": 600, "non_table_bytes": 400, "num_items": 10,
             "by_signature": {"recommend": {"num_operators": 29, "activation_bytes": 10184},
                              "scores": {"num_operators": 30, "activation_bytes": 1}}}
    lines = graph_cost_lines({"stages": [_stage("most_popular"), _stage("final_int8", graph)]})
    rows = [line for line in lines if line.startswith("| final_int8")]
    assert rows == ["| final_int8 | 29 / 30 | 700 | 300 | 600 | 400 | 10,184 |"]
    assert not any("most_popular" in line for line in lines)
    assert graph_cost_lines({"stages": [_stage("most_popular")]}) == []
