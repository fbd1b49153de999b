import numpy as np

from builder.models.baselines import ItemTransition, MostPopular


def test_most_popular_counts_training_items():
    mp = MostPopular([np.array([1, 2, 2]), np.array([2, 3])], 5)
    assert mp(np.zeros((2, 3), dtype=np.int32)).tolist() == [[0, 1, 3, 1, 0]] * 2


def test_item_transition_follows_last_item():
    seqs = [np.array([1, 2, 3]), np.array([1, 2]), np.array([1, 4])]
    tr = ItemTransition(seqs, 5)
    s = tr(np.array([[0, 3, 1]], dtype=np.int32))[0]
    # after 1: 2 seen twice, 4 once; popularity only breaks ties below one count
    assert s[2] > s[4] > s[3]
    assert s[2] - s[4] > 0.5
    cold = tr(np.array([[0, 0, 0]], dtype=np.int32))[0]
    assert np.argmax(cold) == 1  # falls back to popularity
