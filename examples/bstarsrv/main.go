// Bstarsrv is the zguide's Binary Star server (bstarsrv): one of a pair,
// primary (-p) or backup (-b), of which one at a time answers clients
// (bstarcli). The primary's frontend is tcp://*:5001, and it publishes its
// state on tcp://*:5003 and hears its peer's from tcp://localhost:5004;
// the backup's are tcp://*:5002, tcp://*:5004 and tcp://localhost:5003
// (-frontend, -statepub and -statesub change them). The servers tell each
// other their state every -heartbeat (1s) and take each other for dead
// after two heartbeats of silence. A passive server takes over when a
// client asks it after its peer went silent: the clients vote. It prints
// the zguide's lines:
//
//	bound tcp://127.0.0.1:5001
//	I: Primary active, waiting for backup (passive)
//	I: connected to backup (passive), ready as active
//
// The active server echoes each request. Two actives or two passives end
// the server (exit 1). It runs until SIGINT or SIGTERM (exit 0).
//
// The server is actors.BinaryStar (Runtime.SpawnBinaryStar): the frontend
// socket actor carries the state machine, and owns the PUB and SUB.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	primary := flag.Bool("p", false, "run as the primary")
	backup := flag.Bool("b", false, "run as the backup")
	frontend := flag.String("frontend", "", "the clients' endpoint (default tcp://*:5001, backup tcp://*:5002)")
	statepub := flag.String("statepub", "", "where this server publishes its state (default tcp://*:5003, backup tcp://*:5004)")
	statesub := flag.String("statesub", "", "the peer's state endpoint (default tcp://localhost:5004, backup tcp://localhost:5003)")
	heartbeat := flag.Duration("heartbeat", time.Second, "how often the servers tell each other their state")
	flag.Parse()
	cli.UsageIf(*primary == *backup || *heartbeat <= 0 || flag.NArg() > 0, "Usage: bstarsrv { -p | -b } [flags]")
	def := func(s *string, p, b string) {
		if *s == "" {
			*s = p
			if *backup {
				*s = b
			}
		}
	}
	def(frontend, "tcp://*:5001", "tcp://*:5002")
	def(statepub, "tcp://*:5003", "tcp://*:5004")
	def(statesub, "tcp://localhost:5004", "tcp://localhost:5003")

	p := cli.Start("bstarsrv")
	defer p.Close()

	handler := p.System.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*messages.Request); ok {
			ctx.Respond(&messages.Reply{Frames: m.Frames})
		}
	}))
	s, err := p.Z.SpawnBinaryStar(p.Ctx, actors.BinaryStarSpec{Name: "bstar", Primary: *primary, Handler: handler,
		Heartbeat: *heartbeat, Owner: p.Events.PID(),
		Frontend: sockets.Spec{Binds: []string{*frontend}},
		StatePub: sockets.Spec{Binds: []string{*statepub}},
		StateSub: sockets.Spec{Connects: []string{*statesub}}})
	p.Check(err)
	fmt.Println("bound", s.Frontend().Endpoint())
	if *primary {
		fmt.Println("I: Primary active, waiting for backup (passive)")
	} else {
		fmt.Println("I: Backup passive, waiting for primary (active)")
	}
	for {
		select {
		case <-p.Ctx.Done():
			p.Check(s.Close(p.Ctx))
			return
		case m := <-p.Events.C():
			if st, ok := m.(*messages.BinaryStarState); ok {
				if st.Fatal {
					fmt.Println("E:", st.Reason)
					p.Close()
					os.Exit(1)
				}
				fmt.Println("I:", st.Reason)
				continue
			}
			p.Event(m)
		}
	}
}
