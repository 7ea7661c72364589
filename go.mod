module github.com/zmqactor/zmqactor

go 1.26.8

require (
	github.com/pebbe/zmq4 v1.4.0
	golang.org/x/sys v0.49.0
	google.golang.org/protobuf v1.36.12
)
