def count_words(text):
    """Return the number of words in text."""
    return len(text.split(" "))


def shout(text):
    return text.upper() + "!"
