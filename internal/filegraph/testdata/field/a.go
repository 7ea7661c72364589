// Package field: b.go depends on a.go only through the field S.f, and the
// three files form one cycle.
package field

type S struct{ f int }

func A() int { return get() }
