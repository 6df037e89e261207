print('new')
