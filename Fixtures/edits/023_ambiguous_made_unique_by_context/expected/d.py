x = 0
print(x)
x = 1
print('end')
