// Package supervision will hold the restart policy for socket actors:
// deciders that tell which ZeroMQ failures restart a socket (a handler
// panic, EFSM, a socket made unusable), which stop it for good (ETERM, a
// deliberate close) and which escalate; one-for-one and all-for-one
// strategies with restart limits and exponential backoff with jitter; and
// service trees that start sockets and their handler actors under one
// supervisor.
//
// What it builds on is in package actors: a socket actor keeps its spec and
// every command applied since outside the actor instance, so that a new
// instance made by a protoactor restart rebuilds the same socket, with the
// same resolved endpoints, and reports Started again with its restart
// count. The deciders, strategies, fault injection and the tests that
// restart sockets many times are the work of this package and not done yet.
package supervision
