package main

import (
	"time"

	"github.com/zmqactor/zmqactor/internal/ceiling"
)

// The C paths: package internal/ceiling's loops.

// cPipe is a ceiling.Pipe carrying messages of size bytes.
type cPipe struct {
	p    *ceiling.Pipe
	size int
}

func openCPipe(sender, receiver ceiling.Kind, endpoint string, size int, unlimited bool) (runner, error) {
	p, err := ceiling.OpenPipe(sender, receiver, endpoint, unlimited)
	if err != nil {
		return nil, err
	}
	if err := p.Warm(warmUpDeadline); err != nil {
		_ = p.Close()
		return nil, err
	}
	return &cPipe{p: p, size: size}, nil
}

func (c *cPipe) run(n int) ([]float64, error) {
	took, err := c.p.Transfer(n, c.size)
	if err != nil {
		return nil, err
	}
	return throughput(n, took), nil
}

func (c *cPipe) close() error { return c.p.Close() }

// cEcho times REQ/REP round trips in C.
type cEcho struct {
	e    *ceiling.Echo
	size int
	rtt  []time.Duration
}

func openCEcho(size int) (runner, error) {
	e, err := ceiling.OpenEcho("tcp://127.0.0.1:*")
	if err != nil {
		return nil, err
	}
	return &cEcho{e: e, size: size}, nil
}

func (c *cEcho) run(n int) ([]float64, error) {
	if cap(c.rtt) < n {
		c.rtt = make([]time.Duration, n)
	}
	rtt := c.rtt[:n]
	if err := c.e.RoundTrips(rtt, c.size); err != nil {
		return nil, err
	}
	return latencyFigures(rtt), nil
}

func (c *cEcho) close() error { return c.e.Close() }
