package dag

// A test file is not in the graph: this use of A does not close a cycle.
var _ = A
