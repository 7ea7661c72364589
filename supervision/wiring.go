package supervision

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
)

// The root service actor keeps the board of the tree: the handle and
// endpoint of every socket as of its last Started, and the ConnectTo
// requests of sockets waiting to be spawned. Service actors talk to it
// with these messages, which never leave the process.

// socketUp tells the root that a socket (re)started.
type socketUp struct {
	path   string
	socket *actors.Socket
}

// forget tells the root that a service is (re)starting: its sockets'
// endpoints are not to be given out until they start again, and its
// sockets no longer wait for any.
type forget struct{ paths []string }

// resolve asks the root for the endpoints of the sockets targets, for the
// socket path of the service actor from; the root answers with resolved
// once every target has started.
type resolve struct {
	from    *actor.PID
	path    string
	targets []string
}

// resolved answers resolve: the endpoints, in the order of the targets.
type resolved struct {
	path      string
	endpoints []string
}

// rewire tells the service actor of the socket path that a socket it
// connects to moved from one endpoint to another.
type rewire struct {
	path     string
	from, to string
}

// board is the root's state for names and wiring.
type board struct {
	names *names
	// endpoints are the first bound endpoint of each socket that started,
	// kept when it is forgotten, so that a move can be told.
	endpoints map[string]string
	live      map[string]bool // the endpoint is current
	waiting   map[string]*resolve
	// dependents are, for each socket, the sockets connected to it and
	// their service actors.
	dependents map[string]map[string]*actor.PID
}

func newBoard(n *names) *board {
	return &board{names: n, endpoints: map[string]string{}, live: map[string]bool{},
		waiting: map[string]*resolve{}, dependents: map[string]map[string]*actor.PID{}}
}

// started records a socket that (re)started, tells the sockets connected
// to its old endpoint if it moved, and answers the requests it completes.
func (b *board) started(m *socketUp, tell func(*actor.PID, any)) {
	b.names.setSocket(m.path, m.socket)
	ep := m.socket.Endpoint()
	if old := b.endpoints[m.path]; old != "" && old != ep {
		for dep, svc := range b.dependents[m.path] {
			if b.waiting[dep] == nil { // a waiting socket gets the new one
				tell(svc, &rewire{path: dep, from: old, to: ep})
			}
		}
	}
	b.endpoints[m.path], b.live[m.path] = ep, ep != ""
	for _, r := range b.waiting {
		b.answer(r, tell)
	}
}

// forget takes a (re)starting service's sockets off the board until they
// start again.
func (b *board) forget(m *forget) {
	for _, p := range m.paths {
		b.live[p] = false
		delete(b.waiting, p)
		for _, deps := range b.dependents {
			delete(deps, p)
		}
	}
}

// ask records a request and answers it if it can.
func (b *board) ask(r *resolve, tell func(*actor.PID, any)) {
	b.waiting[r.path] = r
	b.answer(r, tell)
}

// answer answers r if all its targets have started.
func (b *board) answer(r *resolve, tell func(*actor.PID, any)) {
	eps := make([]string, len(r.targets))
	for i, t := range r.targets {
		if !b.live[t] {
			return
		}
		eps[i] = b.endpoints[t]
	}
	delete(b.waiting, r.path)
	for _, t := range r.targets {
		if b.dependents[t] == nil {
			b.dependents[t] = map[string]*actor.PID{}
		}
		b.dependents[t][r.path] = r.from
	}
	tell(r.from, &resolved{path: r.path, endpoints: eps})
}
