// Package dag: a.go -> b.go -> c.go, and only a test file points back.
package dag

func A() int { return B() }
