from text_tools import count_words, shout


def test_count_words():
    assert count_words("one two three") == 3
    assert count_words("  spaced   out  ") == 2
    assert count_words("") == 0


def test_shout():
    assert shout("hi") == "HI!"
