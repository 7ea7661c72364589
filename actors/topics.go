package actors

import (
	"bytes"
	"sort"

	"github.com/asynkron/protoactor-go/actor"
)

// topicTable is a SUB or XSUB socket actor's routing table: topic prefix ->
// local subscribers. The socket's ZeroMQ subscriptions are exactly the
// table's prefixes: the first subscriber of a prefix subscribes on the wire,
// the last one to leave unsubscribes. It lives in socketState, so a
// restarted socket subscribes again to the same prefixes for the same
// subscribers.
type topicTable struct {
	entries map[string]*topicEntry // by prefix
	lengths []int                  // distinct prefix lengths, ascending
	subs    map[string]*subscriberInfo
	batched int // subscribers that take batches

	// match's scratch space, reused from message to message.
	found []delivery
}

type topicEntry struct {
	prefix string
	subs   []*subscription // in subscription order
}

// subscription is one subscriber's interest in one prefix: by a Subscribe
// command (direct), by subscribe options of the owner (refs, counted as
// ZeroMQ counts them), or both.
type subscription struct {
	who    *subscriberInfo
	direct bool
	refs   int
	typed  bool
}

func (s *subscription) live() bool { return s.direct || s.refs > 0 }

type subscriberInfo struct {
	key      string
	pid      *actor.PID
	prefixes map[string]*subscription
	batched  bool // Subscribe.batched: ReceivedBatch per turn
}

// setBatched makes the subscriber pid take its messages in batches.
func (t *topicTable) setBatched(pid *actor.PID) {
	if who := t.subs[pidKey(pid)]; who != nil && !who.batched {
		who.batched = true
		t.batched++
	}
}

// delivery is one matched subscriber of a message.
type delivery struct {
	pid     *actor.PID
	key     string
	typed   bool
	batched bool // the subscriber takes ReceivedBatch
}

func newTopicTable() *topicTable {
	return &topicTable{entries: map[string]*topicEntry{}, subs: map[string]*subscriberInfo{}}
}

// add records pid's subscription to prefix. option says it comes from a
// subscribe option (reference counted) rather than a Subscribe command
// (idempotent). wire is true when the prefix is new: the caller subscribes
// on the wire. n is the prefix's number of subscribers afterwards.
func (t *topicTable) add(prefix string, pid *actor.PID, typed, option bool) (wire bool, n int) {
	key := pidKey(pid)
	who := t.subs[key]
	if who == nil {
		who = &subscriberInfo{key: key, pid: pid, prefixes: map[string]*subscription{}}
		t.subs[key] = who
	}
	e := t.entries[prefix]
	if e == nil {
		e = &topicEntry{prefix: prefix}
		t.entries[prefix] = e
		t.addLength(len(prefix))
		wire = true
	}
	s := who.prefixes[prefix]
	if s == nil {
		s = &subscription{who: who}
		who.prefixes[prefix] = s
		e.subs = append(e.subs, s)
	}
	if option {
		s.refs++
	} else {
		s.direct = true
		s.typed = typed
	}
	return wire, len(e.subs)
}

// remove drops pid's subscription to prefix (one reference of an option
// subscription). removed says whether pid no longer receives prefix; wire
// whether the prefix is gone: the caller unsubscribes on the wire.
func (t *topicTable) remove(prefix string, pid *actor.PID, option bool) (removed, wire bool) {
	who := t.subs[pidKey(pid)]
	if who == nil {
		return false, false
	}
	s := who.prefixes[prefix]
	if s == nil {
		return false, false
	}
	if option {
		if s.refs == 0 {
			return false, false
		}
		s.refs--
	} else {
		s.direct = false
	}
	if s.live() {
		return false, false
	}
	return true, t.drop(prefix, s)
}

// removeAll drops every subscription of pid and returns the prefixes it had
// and, of those, the ones no subscriber is left for.
func (t *topicTable) removeAll(pid *actor.PID) (prefixes, wire []string) {
	who := t.subs[pidKey(pid)]
	if who == nil {
		return nil, nil
	}
	for p := range who.prefixes {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	for _, p := range prefixes {
		if t.drop(p, who.prefixes[p]) {
			wire = append(wire, p)
		}
	}
	return prefixes, wire
}

// drop removes s from its prefix and reports whether the prefix is gone.
func (t *topicTable) drop(prefix string, s *subscription) bool {
	who := s.who
	delete(who.prefixes, prefix)
	if len(who.prefixes) == 0 {
		delete(t.subs, who.key)
		if who.batched {
			t.batched--
		}
	}
	e := t.entries[prefix]
	for i, x := range e.subs {
		if x == s {
			e.subs = append(e.subs[:i:i], e.subs[i+1:]...)
			break
		}
	}
	if len(e.subs) > 0 {
		return false
	}
	delete(t.entries, prefix)
	t.dropLength(len(prefix))
	return true
}

// has reports whether pid subscribes to anything.
func (t *topicTable) has(pid *actor.PID) bool { return t.subs[pidKey(pid)] != nil }

func (t *topicTable) addLength(n int) {
	i := sort.SearchInts(t.lengths, n)
	if i < len(t.lengths) && t.lengths[i] == n {
		return
	}
	t.lengths = append(t.lengths, 0)
	copy(t.lengths[i+1:], t.lengths[i:])
	t.lengths[i] = n
}

func (t *topicTable) dropLength(n int) {
	for p := range t.entries {
		if len(p) == n {
			return
		}
	}
	i := sort.SearchInts(t.lengths, n)
	if i < len(t.lengths) && t.lengths[i] == n {
		t.lengths = append(t.lengths[:i], t.lengths[i+1:]...)
	}
}

// match returns the subscribers of the prefixes that topic starts with,
// each once: a subscriber that matches through several prefixes receives
// the raw message if any of them is raw. The result is valid until the next
// call.
func (t *topicTable) match(topic []byte) []delivery {
	t.found = t.found[:0]
	entries := 0
	for _, n := range t.lengths {
		if n > len(topic) {
			break
		}
		e := t.entries[string(topic[:n])]
		if e == nil {
			continue
		}
		entries++
		for _, s := range e.subs {
			t.found = append(t.found, delivery{pid: s.who.pid, key: s.who.key, typed: s.direct && s.typed && s.refs == 0, batched: s.who.batched})
		}
	}
	if entries > 1 {
		t.found = dedupe(t.found)
	}
	return t.found
}

// matchInverted returns the subscribers none of whose prefixes topic starts
// with: a SUB with invert_matching delivers the messages that match none of
// its subscriptions, so each subscriber gets those that match none of its
// own. A subscriber is typed only if all its subscriptions are. The result
// is valid until the next call.
func (t *topicTable) matchInverted(topic []byte) []delivery {
	t.found = t.found[:0]
	for _, who := range t.subs {
		d := delivery{pid: who.pid, key: who.key, typed: true, batched: who.batched}
		for p, s := range who.prefixes {
			if bytes.HasPrefix(topic, []byte(p)) {
				d.pid = nil
				break
			}
			d.typed = d.typed && s.direct && s.typed && s.refs == 0
		}
		if d.pid != nil {
			t.found = append(t.found, d)
		}
	}
	return t.found
}

// dedupe merges the deliveries of one subscriber, keeping the first's place.
func dedupe(ds []delivery) []delivery {
	out := ds[:0]
	seen := make(map[string]int, len(ds))
	for _, d := range ds {
		if i, ok := seen[d.key]; ok {
			out[i].typed = out[i].typed && d.typed
			continue
		}
		seen[d.key] = len(out)
		out = append(out, d)
	}
	return out
}

// prefixes returns every prefix, sorted: the wire subscriptions.
func (t *topicTable) prefixes() []string {
	ps := make([]string, 0, len(t.entries))
	for p := range t.entries {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// subscribers returns every subscriber's PID.
func (t *topicTable) subscribers() []*actor.PID {
	pids := make([]*actor.PID, 0, len(t.subs))
	for _, s := range t.subs {
		pids = append(pids, s.pid)
	}
	return pids
}
