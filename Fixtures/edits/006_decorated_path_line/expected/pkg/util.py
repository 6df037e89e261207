A = 'b'
