package actors

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/eventstream"

	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// WithGrains makes a ROUTER or REP socket actor a server whose requests go
// to cluster grains instead of a handler actor: the grain of g.Kind named
// by the request's identity frame gets the request as WithHandler's
// handler would (a messages.Request, or the decoded message when
// opts.Typed), with a sender standing for the request, and answers with
// ctx.Respond. The cluster places the grain on a member that hosts the
// kind and activates it there, on this node or another.
//
// The grain's address is looked up once and kept in the cluster's PID
// cache, so a request to a known grain costs a map lookup and a send. A
// lookup (cluster.Get: a request to the member that owns the identity,
// which activates the grain) runs on a goroutine of its own, never in the
// socket actor, and the requests for that identity wait for it. A lookup
// begun before the cluster saw a member die may wait for that member (up
// to 5 s with disthash): a request that comes once the membership changed
// begins a new lookup, which takes the waiting requests over. The cache
// forgets the grains of a member that leaves the cluster, and a grain
// that the answer says is not there (a DeadLetterResponse: it moved, or
// stopped): that request fails, and the client's retry finds the grain
// where the cluster placed it anew. Until the cluster has seen a member
// die, requests to its grains get no answer and fail at opts.Timeout; a
// client that retries (Lazy Pirate) loses none of them.
//
// A server with grains has no handler to watch: it never reports the
// handler gone. WithGrains and WithHandler exclude each other.
func WithGrains(g Grains, opts ServeOptions) SpawnOption {
	return func(c *spawnConfig) error {
		switch {
		case g.Kind == "":
			return fmt.Errorf("%w: WithGrains: no grain kind", ErrBadOption)
		case g.IdentityFrame < 0:
			return fmt.Errorf("%w: WithGrains: negative identity frame %d", ErrBadOption, g.IdentityFrame)
		}
		opts, err := opts.withDefaults("WithGrains")
		if err != nil {
			return err
		}
		c.grains, c.serve = &g, opts
		return nil
	}
}

// checkServe refuses a server with two targets and, for a local spawn,
// grains without a cluster to find them in.
func (c spawnConfig) checkServe(local bool) error {
	switch {
	case c.handler != nil && c.grains != nil:
		return fmt.Errorf("%w: WithHandler and WithGrains: a server has one target", ErrBadOption)
	case local && c.grains != nil && c.grains.Cluster == nil:
		return fmt.Errorf("%w: WithGrains: no cluster", ErrBadOption)
	}
	return nil
}

// serves reports whether the socket actor is a server: it has a handler
// or grains.
func (c spawnConfig) serves() bool { return c.handler != nil || c.grains != nil }

// newServer returns the server role for cfg: with its handler, or
// forwarding to cfg's grains.
func newServer(t sockets.Type, cfg spawnConfig) *serverRole {
	s := newServerRole(t, cfg.handler, cfg.serve)
	if g := cfg.grains; g != nil {
		r := &grainRouter{cluster: g.Cluster, kind: g.Kind, frame: g.IdentityFrame, lookups: map[string]*grainLookup{}}
		s.target, s.forward = r, r.forward
	}
	return s
}

// grainRouter sends a server's requests to the grains of one kind. It is
// made once per socket actor and outlives its restarts; forward,
// undelivered and close are called by the socket actor, lookups run on
// their own goroutines.
type grainRouter struct {
	cluster *cluster.Cluster
	kind    string
	frame   int
	// topology counts the cluster's membership changes since the first
	// lookup, as the subscription sees them.
	topology     atomic.Uint64
	subscription *eventstream.Subscription

	mu      sync.Mutex
	lookups map[string]*grainLookup // by identity: the newest lookup of each
}

// grainLookup is a lookup of a grain's address, and the requests waiting
// for it.
type grainLookup struct {
	topology uint64 // the membership changes seen when it began
	waiting  []grainRequest
}

// grainRequest is a request waiting for its grain's address.
type grainRequest struct {
	msg    any
	sender *actor.PID
}

// forward sends one request to its grain or, when the cluster's PID cache
// does not know it, to a lookup of its grain: the one in progress, unless
// the membership changed since it began. Such a lookup may wait for a
// member that has since died (cluster.Get waits up to 5 s for it), so
// a new lookup takes its requests over.
func (r *grainRouter) forward(msg any, body [][]byte, sender *actor.PID) string {
	root := r.cluster.ActorSystem.Root
	if r.frame >= len(body) {
		root.Send(sender, sockets.ErrorToProto("", fmt.Errorf("%w: a request of %d frames has no identity frame %d for grain kind %q",
			sockets.ErrBadMessage, len(body), r.frame, r.kind)))
		return ""
	}
	identity := string(body[r.frame])
	if pid, ok := r.cluster.PidCache.Get(identity, r.kind); ok {
		root.RequestWithCustomSender(pid, msg, sender)
		return identity
	}
	if r.subscription == nil {
		r.subscription = r.cluster.ActorSystem.EventStream.Subscribe(func(ev any) {
			if _, ok := ev.(*cluster.ClusterTopology); ok {
				r.topology.Add(1)
			}
		})
	}
	now := r.topology.Load()
	r.mu.Lock()
	lookup := r.lookups[identity]
	begin := lookup == nil || lookup.topology != now
	if begin {
		fresh := &grainLookup{topology: now}
		if lookup != nil { // outdated: its requests are the new one's
			fresh.waiting, lookup.waiting = lookup.waiting, nil
		}
		lookup = fresh
		r.lookups[identity] = lookup
	}
	lookup.waiting = append(lookup.waiting, grainRequest{msg: msg, sender: sender})
	r.mu.Unlock()
	if begin {
		go r.lookup(identity, lookup)
	}
	return identity
}

// lookup asks the cluster where the grain of identity is, activating it if
// need be, and sends it the requests that waited; when the cluster has no
// place for it, each of them is answered with an error. An outdated
// lookup (another one took its requests over) only ends.
func (r *grainRouter) lookup(identity string, lookup *grainLookup) {
	pid := r.cluster.Get(identity, r.kind)
	r.mu.Lock()
	current := r.lookups[identity] == lookup
	if current {
		delete(r.lookups, identity)
	}
	waiting := lookup.waiting
	lookup.waiting = nil
	r.mu.Unlock()
	if !current {
		return
	}
	if pid != nil {
		r.cluster.PidCache.Set(identity, r.kind, pid)
	}
	root := r.cluster.ActorSystem.Root
	for _, w := range waiting {
		if pid == nil {
			root.Send(w.sender, &messages.Error{Code: messages.ErrorCode_ERROR_CODE_HANDLER_FAILED, Operation: string(sockets.OpHandle),
				Message: fmt.Sprintf("zmqactor: no member of the cluster activated grain %s/%s", r.kind, identity)})
			continue
		}
		root.RequestWithCustomSender(pid, w.msg, w.sender)
	}
}

// undelivered forgets the grain of identity: the cluster no longer has it
// where the cache said.
func (r *grainRouter) undelivered(identity string) {
	if identity != "" {
		r.cluster.PidCache.Remove(identity, r.kind)
	}
}

// close ends the subscription to the cluster's membership. Lookups in
// progress end by themselves, within the cluster's activation timeout;
// what they send then goes to a server that is gone (dead letters).
func (r *grainRouter) close() {
	if r.subscription != nil {
		r.cluster.ActorSystem.EventStream.Unsubscribe(r.subscription)
		r.subscription = nil
	}
}
