// Clusternode is one member of a protoactor cluster whose grains answer
// ZeroMQ requests: run one per process, on one machine or several.
//
// Each node hosts the grains of one kind (-kind, "echo"): an echo grain
// answers a request with two frames, the request's last frame and the name
// of the node that served it (-name). A node started with -front ENDPOINT
// also binds a ROUTER server socket actor there that serves zguide-style
// REQ clients: each request's first frame is a key, and the grain of that
// key answers it, wherever the cluster placed it (actors.WithGrains). When
// a member dies the cluster places its grains on the others, and a client
// that retries (the zguide's Lazy Pirate) loses nothing.
//
// Membership is protoactor's automanaged provider by default, which needs
// nothing installed: every node lists every member's membership endpoint
// (-peers, HTTP) and says which one is its own (-manage). With -etcd URL
// the members find each other through etcd instead (Debian's etcd-server).
//
//	clusternode -name a -remote 127.0.0.1:8101 -manage 127.0.0.1:8201 \
//	    -peers 127.0.0.1:8201,127.0.0.1:8202,127.0.0.1:8203 -front tcp://*:5555
//	clusternode -name b -remote 127.0.0.1:8102 -manage 127.0.0.1:8202 \
//	    -peers 127.0.0.1:8201,127.0.0.1:8202,127.0.0.1:8203
//	clusternode -name c -etcd http://127.0.0.1:2379 -remote 127.0.0.1:8103
//
// With -tls-cert, -tls-key and -tls-ca the nodes talk protoactor remote
// over mutual TLS (actors.RemoteTLS): each presents its certificate and
// accepts the peers that the CA signed. Every node also runs a
// socket-actor factory (actors.StartFactory), so other nodes can spawn
// socket actors on it; over TLS it accepts specs with secret keys.
//
// It prints "node NAME ADDRESS" once it is a member, "members N ADDRESSES"
// each time the membership changes, and "front ENDPOINT" once the front
// listens, and runs until SIGINT or SIGTERM (exit 0), leaving the cluster
// gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/automanaged"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/etcd"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/remote"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// echo is the grain: it answers [the request's last frame, the node's name].
type echo struct{ node []byte }

func (g *echo) Receive(ctx actor.Context) {
	if r, ok := ctx.Message().(*messages.Request); ok {
		frames := r.GetFrames()
		ctx.Respond(&messages.Reply{Frames: [][]byte{frames[len(frames)-1], g.node}})
	}
}

// config is the command line.
type config struct {
	name, remote, manage, etcd, clusterName, front, kind string
	peers                                                []string
	hosting                                              bool
	refresh, timeout                                     time.Duration
	tlsCert, tlsKey, tlsCA                               string
}

func main() {
	var c config
	var peers string
	flag.StringVar(&c.name, "name", "", "this node's name, in the answers of its grains (required)")
	flag.StringVar(&c.remote, "remote", "127.0.0.1:0", "HOST:PORT of this node's protoactor remote; port 0 picks one")
	flag.StringVar(&peers, "peers", "", "automanaged membership: HOST:PORT,... of every member's membership endpoint, this one's included")
	flag.StringVar(&c.manage, "manage", "", "automanaged membership: HOST:PORT of this node's membership endpoint, one of -peers")
	flag.StringVar(&c.etcd, "etcd", "", "etcd membership: the etcd endpoints, URL,... (instead of -peers)")
	flag.StringVar(&c.clusterName, "cluster", "zmqactor", "the cluster's name; members of one cluster share it")
	flag.StringVar(&c.front, "front", "", "bind a ROUTER server socket actor here whose requests go to the grains (default off)")
	flag.StringVar(&c.kind, "kind", "echo", "the grain kind this node hosts and the front serves")
	flag.BoolVar(&c.hosting, "hosting", true, "host grains of -kind on this node (false: a front that only routes)")
	flag.DurationVar(&c.refresh, "refresh", 500*time.Millisecond, "automanaged membership: how often each member checks the others")
	flag.DurationVar(&c.timeout, "timeout", time.Second, "how long a grain has to answer a front request")
	flag.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate of this node, for remote over mutual TLS")
	flag.StringVar(&c.tlsKey, "tls-key", "", "PEM private key of -tls-cert")
	flag.StringVar(&c.tlsCA, "tls-ca", "", "PEM certificate of the CA that signed every node's certificate")
	flag.Parse()
	if peers != "" {
		c.peers = strings.Split(peers, ",")
	}
	cli.UsageIf(c.name == "" || flag.NArg() > 0, "clusternode: -name is required, and no arguments")
	cli.UsageIf((len(c.peers) > 0) == (c.etcd != ""), "clusternode: give -peers (automanaged) or -etcd, one of them")
	cli.UsageIf(len(c.peers) > 0 && !slices.Contains(c.peers, c.manage), "clusternode: -manage must be one of -peers")
	cli.UsageIf((c.tlsCert != "" || c.tlsKey != "" || c.tlsCA != "") && (c.tlsCert == "" || c.tlsKey == "" || c.tlsCA == ""),
		"clusternode: -tls-cert, -tls-key and -tls-ca go together")
	cli.UsageIf(c.refresh <= 0 || c.timeout <= 0, "clusternode: -refresh and -timeout must be positive")

	p := cli.Start("clusternode")
	node, err := join(p, c)
	p.Check(err)

	factory, err := p.Z.StartFactory(p.Ctx, actors.WithFactoryCluster(node))
	p.Check(err)
	if c.front != "" {
		front := p.Spawn(sockets.Spec{Name: "front", Type: sockets.Router, Binds: []string{c.front}},
			actors.WithGrains(actors.Grains{Cluster: node, Kind: c.kind}, actors.ServeOptions{Timeout: c.timeout}),
			actors.WithOwner(p.Events.PID()))
		fmt.Println("front", front.Endpoint())
	}
	p.Serve(nil) // until SIGINT or SIGTERM, reporting the requests that failed

	// Leave: the factory and the sockets first (the inbox after the
	// socket it owns), then the cluster, which shuts the actor system
	// down itself.
	ctx, cancel := context.WithTimeout(context.Background(), cli.ShutdownTimeout)
	defer cancel()
	err = errors.Join(factory.Stop(ctx), p.Z.Shutdown(ctx))
	p.Events.Close()
	err = errors.Join(err, leave(node))
	if err != nil {
		fmt.Fprintln(os.Stderr, "clusternode:", err)
		os.Exit(1)
	}
}

// join starts the node's cluster member, with its remote, membership and
// grains, and prints the membership as it changes.
func join(p *cli.Program, c config) (*cluster.Cluster, error) {
	host, port, err := splitHostPort(c.remote)
	if err != nil {
		return nil, fmt.Errorf("-remote: %w", err)
	}
	var remoteOpts []remote.ConfigOption
	if c.tlsCert != "" {
		server, client, err := actors.MutualTLS(c.tlsCert, c.tlsKey, c.tlsCA)
		if err != nil {
			return nil, err
		}
		remoteOpts = append(remoteOpts, actors.RemoteTLS(server, client))
	}
	var provider cluster.ClusterProvider
	if c.etcd != "" {
		if provider, err = etcd.NewWithConfig("/zmqactor", clientv3.Config{Endpoints: strings.Split(c.etcd, ","), DialTimeout: 5 * time.Second}); err != nil {
			return nil, fmt.Errorf("etcd: %w", err)
		}
	} else {
		_, managePort, err := splitHostPort(c.manage)
		if err != nil {
			return nil, fmt.Errorf("-manage: %w", err)
		}
		provider = automanaged.NewWithConfig(c.refresh, managePort, c.peers...)
	}
	var kinds []*cluster.Kind
	if c.hosting {
		name := []byte(c.name)
		kinds = append(kinds, cluster.NewKind(c.kind, actor.PropsFromProducer(func() actor.Actor { return &echo{node: name} })))
	}
	node := cluster.New(p.System, cluster.Configure(c.clusterName, provider, disthash.New(),
		remote.Configure(host, port, remoteOpts...), cluster.WithKinds(kinds...)))
	p.System.EventStream.Subscribe(func(ev any) {
		if t, ok := ev.(*cluster.ClusterTopology); ok {
			var addrs []string
			for _, m := range t.GetMembers() {
				addrs = append(addrs, m.Address())
			}
			slices.Sort(addrs)
			fmt.Println("members", len(addrs), strings.Join(addrs, ","))
		}
	})
	if err := startMember(node); err != nil {
		return nil, err
	}
	fmt.Println("node", c.name, p.System.Address())
	return node, nil
}

// leave leaves the cluster gracefully: the member deregisters, tells the
// others, and stops its remote. protoactor-go's graceful remote shutdown
// sometimes panics at its very end ("send on closed channel", a race of
// its endpoint manager with a connection that ends at the same time):
// the member has left by then, and leave returns the panic as an error.
func leave(node *cluster.Cluster) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errRemoteShutdown, r)
		}
	}()
	node.Shutdown(true)
	return nil
}

// errRemoteShutdown: protoactor-go's remote panicked as it shut down.
var errRemoteShutdown = errors.New("protoactor remote's shutdown panicked")

// startMember starts node's member, which panics where it fails (a remote
// port in use, membership it cannot reach).
func startMember(node *cluster.Cluster) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cluster member: %v", r)
		}
	}()
	node.StartMember()
	return nil
}

func splitHostPort(hostPort string) (string, int, error) {
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", hostPort)
	}
	return host, n, nil
}
