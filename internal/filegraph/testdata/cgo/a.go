// Package cgo: a.go uses cgo, and its uses count from a.go, not from cgo's
// output.
package cgo

import "C"

func half(x int) int { return int(C.int(x)/2) + B() }
