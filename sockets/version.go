package sockets

import "github.com/pebbe/zmq4"

// LibzmqVersion returns the version of the libzmq library the program
// runs with (zmq_version(3)): the shared library loaded at run time,
// which may be newer than the headers pebbe/zmq4 was built against. It is
// safe for concurrent use.
func LibzmqVersion() (major, minor, patch int) {
	return zmq4.Version()
}
