from temperature import celsius_to_fahrenheit, fahrenheit_to_celsius


def test_to_fahrenheit():
    assert celsius_to_fahrenheit(100) == 212


def test_to_celsius():
    assert fahrenheit_to_celsius(212) == 100
    assert fahrenheit_to_celsius(32) == 0
