// Package titanic is the zguide's Titanic service (ZeroMQ RFC 9):
// disconnected reliability on top of Majordomo. A client hands a request
// to titanic.request and gets an id once the request is on disk; it asks
// titanic.reply with the id until the reply is there, and ends with
// titanic.close. Meanwhile the service's dispatcher passes each waiting
// request to a worker of its service as soon as the broker has one, and
// keeps the reply. Clients and workers need not be up at the same time,
// and requests survive a restart of the service and of the broker.
//
//	svc, err := titanic.Start(ctx, z, titanic.Config{Broker: "tcp://localhost:5555", Path: "titanic.db"})
//	defer svc.Close(ctx)
//	// A Majordomo client (actors.WithMajordomoClient), any process:
//	r, _ := client.AskService(ctx, titanic.RequestService, [][]byte{[]byte("echo"), []byte("Hello")}) // ["200", id]
//	r, _ = client.AskService(ctx, titanic.ReplyService, [][]byte{id})                                  // ["300"], later ["200", "Hello"]
//	_, _ = client.AskService(ctx, titanic.CloseService, [][]byte{id})                                  // ["200"]
//
// The store is a bbolt file (go.etcd.io/bbolt): each request is written in
// a transaction synced to disk before titanic.request answers, and each
// reply before it is given out. The service is three Majordomo worker
// socket actors with a handler actor each, a Majordomo client socket actor
// and the dispatcher actor, which asks mmi.service before it sends a
// request to its service, so that requests for a service without workers
// wait on disk, not in the broker. Requests are dispatched one at a time,
// oldest first, each pass over the waiting ones; one whose worker does not
// answer within Config.Timeout is tried again on the next pass, so a
// service may see a request more than once: Titanic's delivery is at least
// once.
//
// Statuses: "200" OK, "300" pending (no reply yet), "400" unknown id or a
// malformed request, "500" a failure of the store (its text follows).
package titanic
