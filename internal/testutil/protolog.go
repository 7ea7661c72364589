package testutil

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
)

// ProtoLog records what protoactor says about an actor system: every line
// it logs (through actors.LoggerFactory, from Debug up) and every
// *actor.DeadLetterEvent on its event stream, which protoactor logs only
// three times a second.
type ProtoLog struct {
	mu   sync.Mutex
	text bytes.Buffer
	dead []*actor.DeadLetterEvent
}

// Write implements io.Writer for the logger.
func (l *ProtoLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.Write(p)
}

// NewLoggedSystem is NewSystem with protoactor's log and dead letters
// recorded in the returned ProtoLog.
func NewLoggedSystem(t testing.TB, opts ...actors.RuntimeOption) (*actor.ActorSystem, *actors.Runtime, *ProtoLog) {
	t.Helper()
	l := &ProtoLog{}
	logger := slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.LoggerFactory(logger)))
	system.EventStream.Subscribe(func(m any) {
		if d, ok := m.(*actor.DeadLetterEvent); ok {
			l.mu.Lock()
			l.dead = append(l.dead, d)
			l.mu.Unlock()
		}
	})
	return system, newRuntime(t, system, opts...), l
}

// Lines returns the lines logged so far.
func (l *ProtoLog) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSpace(l.text.String()), "\n")
}

// DeadLetters describes the dead letters so far, one line each.
func (l *ProtoLog) DeadLetters() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, d := range l.dead {
		out = append(out, fmt.Sprintf("to %v: %T %v (sender %v)", d.PID, d.Message, d.Message, d.Sender))
	}
	return out
}

// CheckQuiet fails the test if protoactor reported a dead letter, or
// logged anything but its "actor system started" and the lines for which
// expected is true, such as the "[ACTOR] Recovering" of a fault the test
// injected.
func (l *ProtoLog) CheckQuiet(t testing.TB, expected func(line string) bool) {
	t.Helper()
	for _, d := range l.DeadLetters() {
		t.Errorf("dead letter %s", d)
	}
	for _, line := range l.Lines() {
		if line == "" || strings.Contains(line, `msg="actor system started"`) || (expected != nil && expected(line)) {
			continue
		}
		t.Errorf("protoactor logged: %s", line)
	}
}
