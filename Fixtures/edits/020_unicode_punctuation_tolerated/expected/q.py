msg = "it is done"
