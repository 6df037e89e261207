msg = "it's done"
