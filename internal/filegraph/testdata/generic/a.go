// Package generic: uses of an instantiated type's method and field lead to
// the generic declaration.
package generic

func A() int {
	var l List[int]
	l.Push(1)
	return len(l.items)
}
