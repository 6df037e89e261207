module example.com/gotool

go 1.21
