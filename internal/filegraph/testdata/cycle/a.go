// Package cycle: a.go and b.go depend on each other through a method use;
// c.go depends on the cycle without being in it.
package cycle

type T struct{}

func F(t T) { t.M() }
