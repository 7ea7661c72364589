package supervision

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/sockets"
)

// Service declares a fault-tolerant service: socket actors, handler actors
// and nested services, started under one supervisor with one policy. A
// nested service has its own supervisor, a child of this one, so a tree
// can mix policies: a broker whose frontend and backend restart together
// (AllForOne) beside a pool of workers that restart alone (OneForOne).
// A Service is a plain value: Start copies what it needs, and the same
// declaration can start several trees (with other root names).
type Service struct {
	// Name names the service's supervisor actor; required, unique among
	// its siblings. It is the first element of the paths of everything in
	// the service ("shop" in "shop/broker/frontend").
	Name string
	// Strategy supervises the service's handlers, sockets and nested
	// services; nil means OneForOne with its defaults.
	Strategy *Strategy
	// Handlers are started first, so that sockets can name them.
	Handlers []Handler
	// Sockets are the service's socket actors.
	Sockets []Socket
	// Services are nested services.
	Services []Service
}

// Handler is an actor of a service, such as a request handler or a
// router over a pool of them (protoactor's router.NewRoundRobinPool).
// Its actor is the service supervisor's child, named Name, so its path
// ("shop/broker/forwarder") is its PID's id. A restarted service spawns
// it again from Props under the same name.
type Handler struct {
	// Name names the handler, unique in the service.
	Name string
	// Props spawn the handler; required.
	Props *actor.Props
}

// Socket is a socket actor of a service.
type Socket struct {
	// Spec is the socket's spec; Spec.Name is required and unique in the
	// tree.
	Spec sockets.Spec
	// Handler names a Handler of the service that serves the requests of
	// a ROUTER or REP socket (actors.WithHandler).
	Handler string
	// Serve configures the serving when Handler is set.
	Serve actors.ServeOptions
	// Receiver names a Handler of the service that receives the socket's
	// messages (Received, PeerSubscription, DecodeError), with the socket
	// actor as sender. Without one they go to the tree's owner.
	Receiver string
	// ConnectTo names other sockets of the tree, by path or bare name as
	// Running.Socket takes them ("shop/broker/backend", "backend"), that
	// this socket connects to, after the endpoints of Spec.Connects: to
	// the first endpoint each binds, resolved ("tcp://127.0.0.1:41233" for
	// "tcp://127.0.0.1:*"). The socket is spawned once they have started,
	// so it needs no fixed port. A named socket must bind something, and
	// the sockets may not name each other in a cycle. The endpoint stays
	// right across restarts: a restarted socket binds the port it had and
	// a restarted connecting socket connects to it again; when a service
	// restarts as a whole (an escalation) its sockets bind anew, and every
	// socket that connects to one of them is told to disconnect from the
	// old endpoint and connect to the new one. Bind to an address others
	// can connect to (tcp://127.0.0.1:*, not tcp://*:*).
	ConnectTo []string
	// Options are more spawn options (not WithOwner or WithHandler).
	Options []actors.SpawnOption
}

// declaration is a checked tree: the paths of its sockets and handlers,
// and the sockets each socket connects to (ConnectTo, as paths). It does
// not change once Start made it, and its service actors share it.
type declaration struct {
	socketPaths, handlerPaths []string
	connects                  map[string][]string
	binds                     map[string]bool // the sockets that bind
}

// declare checks the tree whose root is s: names, references, specs.
func declare(s Service) (*declaration, error) {
	d := &declaration{connects: map[string][]string{}, binds: map[string]bool{}}
	refs := map[string][]string{}
	if err := d.walk(s, "", refs, map[string]bool{}); err != nil {
		return nil, err
	}
	for _, p := range d.socketPaths {
		for _, name := range refs[p] {
			target, err := resolveName("socket", d.socketPaths, name)
			switch {
			case err != nil:
				return nil, fmt.Errorf("%w: socket %s: ConnectTo: %w", ErrBadPolicy, p, err)
			case target == p:
				return nil, fmt.Errorf("%w: socket %s: ConnectTo names the socket itself", ErrBadPolicy, p)
			case !d.binds[target]:
				return nil, fmt.Errorf("%w: socket %s: ConnectTo %s, which binds nothing to connect to", ErrBadPolicy, p, target)
			}
			d.connects[p] = append(d.connects[p], target)
		}
	}
	if cycle := d.cycle(); cycle != nil {
		return nil, fmt.Errorf("%w: sockets connect to each other in a cycle, so none could start first: %v", ErrBadPolicy, cycle)
	}
	return d, nil
}

// walk checks service s, whose parent's path is parent ("" for the root),
// and records its paths; sockNames are the socket names of the tree seen
// so far.
func (d *declaration) walk(s Service, parent string, refs map[string][]string, sockNames map[string]bool) error {
	path := s.Name
	if parent != "" {
		path = pathOf(parent, s.Name)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: service %s: %s", ErrBadPolicy, path, fmt.Sprintf(format, args...))
	}
	if s.Name == "" {
		return bad("no name")
	}
	names := map[string]bool{}
	for _, h := range s.Handlers {
		if h.Name == "" || h.Props == nil || names[h.Name] {
			return bad("handler %q: a handler needs a unique name and props", h.Name)
		}
		names[h.Name] = true
		d.handlerPaths = append(d.handlerPaths, pathOf(path, h.Name))
	}
	for _, so := range s.Sockets {
		if so.Spec.Name == "" || sockNames[so.Spec.Name] || names[so.Spec.Name] {
			return bad("socket %q: a socket needs a name unique in the tree", so.Spec.Name)
		}
		sockNames[so.Spec.Name] = true
		for _, ref := range []string{so.Handler, so.Receiver} {
			if ref != "" && !names[ref] {
				return bad("socket %q names no handler %q of this service", so.Spec.Name, ref)
			}
		}
		if err := so.Spec.Validate(); err != nil {
			return err
		}
		p := pathOf(path, so.Spec.Name)
		d.socketPaths = append(d.socketPaths, p)
		d.binds[p] = len(so.Spec.Binds) > 0
		refs[p] = so.ConnectTo
	}
	for _, sub := range s.Services {
		if names[sub.Name] {
			return bad("nested service %q: the name is taken", sub.Name)
		}
		names[sub.Name] = true
		if err := d.walk(sub, path, refs, sockNames); err != nil {
			return err
		}
	}
	return nil
}

// cycle returns the sockets of a ConnectTo cycle, or nil.
func (d *declaration) cycle() []string {
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(p string) []string
	visit = func(p string) []string {
		state[p] = open
		stack = append(stack, p)
		for _, t := range d.connects[p] {
			switch state[t] {
			case open:
				for i, q := range stack {
					if q == t {
						return append(append([]string{}, stack[i:]...), t)
					}
				}
			case unseen:
				if c := visit(t); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[p] = done
		return nil
	}
	for _, p := range d.socketPaths {
		if state[p] == unseen {
			if c := visit(p); c != nil {
				return c
			}
		}
	}
	return nil
}
