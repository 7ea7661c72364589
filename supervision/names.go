package supervision

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
)

// ErrUnknownName: a name given to Running.Socket, Running.Handler or
// Socket.ConnectTo names no socket or handler of the tree, or a bare name
// names more than one handler.
var ErrUnknownName = errors.New("zmqactor: no such name in the service tree")

// Names in a tree. A socket or handler is named by its path: the names of
// the services from the root down, then its own, joined by "/", such as
// "shop/broker/frontend". That path is also its actor's id. A bare name
// ("frontend") stands for the one socket or handler of that name anywhere
// in the tree; socket names are unique in a tree, handler names only in
// their service, so a bare handler name that two services use must be
// given as a path.

// pathOf joins a service's path and a name.
func pathOf(service, name string) string { return service + "/" + name }

// resolveName returns the path among paths that name stands for: name
// itself, or the only path whose last element is name.
func resolveName(kind string, paths []string, name string) (string, error) {
	if slices.Contains(paths, name) {
		return name, nil
	}
	var found []string
	if !strings.Contains(name, "/") {
		for _, p := range paths {
			if strings.HasSuffix(p, "/"+name) {
				found = append(found, p)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("%w: no %s %q (the %ss: %s)", ErrUnknownName, kind, name, kind, strings.Join(paths, ", "))
	}
	return "", fmt.Errorf("%w: %q names %d %ss (%s): give the path", ErrUnknownName, name, len(found), kind, strings.Join(found, ", "))
}

// names is what Running looks up: every socket's handle, as of its last
// Started, and every handler, by path. The root service actor writes the
// handles, Running reads them.
type names struct {
	socketPaths, handlerPaths []string // in declaration order

	mu       sync.Mutex
	sockets  map[string]*actors.Socket
	handlers map[string]*actor.PID
}

// newNames returns the names of the declared tree; a handler's PID is its
// path, in the actor system at address.
func newNames(socketPaths, handlerPaths []string, address string) *names {
	n := &names{socketPaths: socketPaths, handlerPaths: handlerPaths,
		sockets: map[string]*actors.Socket{}, handlers: map[string]*actor.PID{}}
	for _, p := range handlerPaths {
		n.handlers[p] = actor.NewPID(address, p)
	}
	return n
}

// setSocket records the handle of a socket that (re)started.
func (n *names) setSocket(path string, s *actors.Socket) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sockets[path] = s
}

func (n *names) socket(name string) (*actors.Socket, error) {
	path, err := resolveName("socket", n.socketPaths, name)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if s := n.sockets[path]; s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("%w: socket %s has not started", ErrUnknownName, path)
}

func (n *names) handler(name string) (*actor.PID, error) {
	path, err := resolveName("handler", n.handlerPaths, name)
	if err != nil {
		return nil, err
	}
	return n.handlers[path], nil
}
