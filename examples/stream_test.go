package examples_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestHTTPServer: the STREAM example answers plain HTTP clients (Go's
// net/http, a real TCP peer that knows nothing of ZeroMQ), one connection
// each, and exits after -n requests.
func TestHTTPServer(t *testing.T) {
	server, ep := serve(t, "httpserver", "-n", "3")
	url := "http://" + strings.TrimPrefix(ep, "tcp://") + "/hello"
	for range 3 {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || string(body) != "Hello, World!" {
			t.Fatalf("GET %s: %d %q %v", url, resp.StatusCode, body, err)
		}
	}
	server.exit()
}
